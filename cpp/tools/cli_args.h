// Command-line flags for the `digitrain` CLI: `--flag value`, `--flag=value` and boolean
// `--flag`, checked against each command's list so that a misspelt flag is an error rather
// than silently ignored. Every failure is an Expected error naming the flag and the problem;
// nothing here prints or exits.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "expected.h"

namespace digitrain::cli {

struct FlagSpec {
  const char* name;  // "--lr"
  bool takesValue;   // false: a switch such as --json
};

// A command's flags as two lists of names: those that take a value, then the switches.
std::vector<FlagSpec> flagList(const std::vector<const char*>& takingValue, const std::vector<const char*>& switches);

class Args {
 public:
  // Parses `argv` (the words after the command name). `command` names the command in error
  // messages. --help / -h is always accepted. Positional words are refused unless
  // allowPositional.
  static Expected<Args> parse(const std::string& command, const std::vector<std::string>& argv,
                              const std::vector<FlagSpec>& flags, bool allowPositional = false);

  bool has(const std::string& flag) const { return values_.count(flag) > 0; }
  bool help() const { return help_; }
  std::optional<std::string> get(const std::string& flag) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // The value of a flag the command cannot do without, into `out`; the error says which
  // command needs it.
  Status required(const std::string& flag, const char* what, std::string& out) const;

  // Typed readers: leave `out` alone when the flag is absent.
  Status read(const std::string& flag, double& out) const;
  Status read(const std::string& flag, int& out) const;
  Status read(const std::string& flag, uint64_t& out) const;
  Status readOnOff(const std::string& flag, bool& out) const;

 private:
  std::string command_;
  std::map<std::string, std::string> values_;  // a switch maps to ""
  std::vector<std::string> positional_;
  bool help_ = false;
};

// Strict conversions: the whole text must be the number (no "12abc", no spaces), finite.
Expected<double> parseNumber(const std::string& flag, const std::string& text);
Expected<long long> parseInteger(const std::string& flag, const std::string& text, long long min, long long max);
Expected<uint64_t> parseUnsigned(const std::string& flag, const std::string& text);
// on/off, also true/false, yes/no, 1/0.
Expected<bool> parseOnOff(const std::string& flag, const std::string& text);
// "784,128,64,10": whole numbers in [min, max] separated by commas.
Expected<std::vector<int>> parseIntList(const std::string& flag, const std::string& text, int min, int max);

// The text in double quotes, cut short when long, for error messages.
std::string quote(const std::string& text);

}  // namespace digitrain::cli
