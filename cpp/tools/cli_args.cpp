#include "cli_args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace digitrain::cli {
namespace {

bool looksLikeFlag(const std::string& word) { return word.size() > 2 && word.compare(0, 2, "--") == 0; }

bool startsWithSpace(const std::string& text) {
  return !text.empty() && std::isspace(static_cast<unsigned char>(text.front()));
}

}  // namespace

std::string quote(const std::string& text) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    const char c = text[i];
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  }
  if (text.size() > kMax) out += "...";
  return out + "\"";
}

std::vector<FlagSpec> flagList(const std::vector<const char*>& takingValue, const std::vector<const char*>& switches) {
  std::vector<FlagSpec> out;
  for (const char* name : takingValue) out.push_back({name, true});
  for (const char* name : switches) out.push_back({name, false});
  return out;
}

Expected<Args> Args::parse(const std::string& command, const std::vector<std::string>& argv,
                           const std::vector<FlagSpec>& flags, bool allowPositional) {
  Args args;
  args.command_ = command;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word == "--help" || word == "-h") {
      args.help_ = true;
      continue;
    }
    if (word == "--") {  // everything after is positional
      for (++i; i < argv.size(); ++i) {
        if (!allowPositional) return fail("unexpected argument " + quote(argv[i]) + " for `digitrain " + command + "`");
        args.positional_.push_back(argv[i]);
      }
      break;
    }
    if (looksLikeFlag(word)) {
      const size_t eq = word.find('=');
      const std::string name = word.substr(0, eq);
      const FlagSpec* spec = nullptr;
      for (const FlagSpec& f : flags)
        if (name == f.name) spec = &f;
      if (!spec)
        return fail("unknown flag " + name + " for `digitrain " + command + "` (run `digitrain " + command +
                    " --help` for the list)");
      if (!spec->takesValue) {
        if (eq != std::string::npos) return fail(name + " takes no value, got " + quote(word.substr(eq + 1)));
        args.values_[name] = "";
        continue;
      }
      if (eq != std::string::npos) {
        args.values_[name] = word.substr(eq + 1);
        continue;
      }
      if (i + 1 >= argv.size()) return fail(name + " needs a value");
      if (looksLikeFlag(argv[i + 1])) return fail(name + " needs a value, got the flag " + argv[i + 1]);
      args.values_[name] = argv[++i];
      continue;
    }
    if (word.size() > 1 && word[0] == '-' && !std::isdigit(static_cast<unsigned char>(word[1])))
      return fail("unknown flag " + word + " for `digitrain " + command + "` (flags start with --; run `digitrain " +
                  command + " --help` for the list)");
    if (!allowPositional) return fail("unexpected argument " + quote(word) + " for `digitrain " + command + "`");
    args.positional_.push_back(word);
  }
  return args;
}

std::optional<std::string> Args::get(const std::string& flag) const {
  const auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Status Args::required(const std::string& flag, const char* what, std::string& out) const {
  const auto v = get(flag);
  if (!v) return fail("`digitrain " + command_ + "` needs " + flag + " " + what);
  if (v->empty()) return fail(flag + " needs a value, got an empty one");
  out = *v;
  return Ok{};
}

namespace {

// The typed readers' common part: `out` left alone when the flag is absent, else set to what
// `parse` makes of its text, or the parse error returned.
template <typename T, typename Parse>
Status readInto(const std::optional<std::string>& text, T& out, Parse parse) {
  if (!text) return Ok{};
  auto x = parse(*text);
  if (!x) return fail(x.error());
  out = static_cast<T>(*x);
  return Ok{};
}

}  // namespace

Status Args::read(const std::string& flag, double& out) const {
  return readInto(get(flag), out, [&](const std::string& v) { return parseNumber(flag, v); });
}

Status Args::read(const std::string& flag, int& out) const {
  return readInto(get(flag), out, [&](const std::string& v) {
    return parseInteger(flag, v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  });
}

Status Args::read(const std::string& flag, uint64_t& out) const {
  return readInto(get(flag), out, [&](const std::string& v) { return parseUnsigned(flag, v); });
}

Status Args::readOnOff(const std::string& flag, bool& out) const {
  return readInto(get(flag), out, [&](const std::string& v) { return parseOnOff(flag, v); });
}

Expected<double> parseNumber(const std::string& flag, const std::string& text) {
  if (text.empty()) return fail(flag + " needs a number, got an empty value");
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (startsWithSpace(text) || end == text.c_str() || *end != '\0')
    return fail(flag + " needs a number, got " + quote(text));
  if (!std::isfinite(x)) return fail(flag + " needs a finite number, got " + quote(text));
  return x;
}

Expected<long long> parseInteger(const std::string& flag, const std::string& text, long long min, long long max) {
  if (text.empty()) return fail(flag + " needs a whole number, got an empty value");
  errno = 0;
  char* end = nullptr;
  const long long x = std::strtoll(text.c_str(), &end, 10);
  if (startsWithSpace(text) || end == text.c_str() || *end != '\0')
    return fail(flag + " needs a whole number, got " + quote(text));
  if (errno == ERANGE || x < min || x > max)
    return fail(flag + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                quote(text));
  return x;
}

Expected<uint64_t> parseUnsigned(const std::string& flag, const std::string& text) {
  const bool digits = !text.empty() && std::isdigit(static_cast<unsigned char>(text.front()));
  errno = 0;
  char* end = nullptr;
  const unsigned long long x = digits ? std::strtoull(text.c_str(), &end, 10) : 0;
  if (!digits || *end != '\0') return fail(flag + " needs a whole number 0 or more, got " + quote(text));
  if (errno == ERANGE) return fail(flag + " must be at most 18446744073709551615, got " + quote(text));
  return static_cast<uint64_t>(x);
}

Expected<bool> parseOnOff(const std::string& flag, const std::string& text) {
  if (text == "on" || text == "true" || text == "yes" || text == "1") return true;
  if (text == "off" || text == "false" || text == "no" || text == "0") return false;
  return fail(flag + " must be on or off, got " + quote(text));
}

Expected<std::vector<int>> parseIntList(const std::string& flag, const std::string& text, int min, int max) {
  std::vector<int> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    auto n = parseInteger(flag, item, min, max);
    if (!n) {
      return fail(flag + " needs whole numbers between " + std::to_string(min) + " and " + std::to_string(max) +
                  " separated by commas, got " + quote(text));
    }
    out.push_back(static_cast<int>(*n));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace digitrain::cli
