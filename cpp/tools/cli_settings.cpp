// The settings' flags, their parsing, their help and `digitrain settings` (see cli_settings.h),
// all read off the settings table so that a new setting or a new name needs no edit here.
#include "cli_settings.h"

#include <cctype>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "presets.h"
#include "settings.h"

namespace digitrain::cli {
namespace {

using nlohmann::json;

std::string metavar(const Setting& s) {
  switch (s.type) {
    case SettingType::Text: return "NAME";
    case SettingType::Layers: return "N,[conv5x8,pool2,...,]N,...";
    case SettingType::Enum: return "NAME";
    case SettingType::Bool: return "on|off";
    case SettingType::Int: {
      std::string text = "N";
      for (const auto& [word, value] : s.words) text += "|" + word;
      return text;
    }
    case SettingType::Number: return "X";
    case SettingType::Seed: return "S";
  }
  return "V";
}

std::string presetNames() {
  std::string out;
  for (const Preset& p : presets()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

// The flag's text as the setting's JSON value; only the syntax is checked here.
Expected<json> flagValue(const Setting& s, const std::string& flag, const std::string& text) {
  constexpr long long kLow = std::numeric_limits<long long>::min(), kHigh = std::numeric_limits<long long>::max();
  switch (s.type) {
    case SettingType::Text:
    case SettingType::Enum: return json(text);
    case SettingType::Bool: {
      auto b = parseOnOff(flag, text);
      if (!b) return fail(b.error());
      return json(*b);
    }
    case SettingType::Number: {
      auto x = parseNumber(flag, text);
      if (!x) return fail(x.error());
      return json(*x);
    }
    case SettingType::Seed: {
      auto n = parseUnsigned(flag, text);
      if (!n) return fail(n.error());
      return json(*n);
    }
    case SettingType::Int: {
      for (const auto& [word, value] : s.words)
        if (text == word) return json(value);
      auto n = parseInteger(flag, text, kLow, kHigh);
      if (!n) return fail(n.error());
      return json(*n);
    }
    case SettingType::Layers: {
      json sizes = json::array();
      size_t start = 0;
      for (;;) {
        const size_t comma = text.find(',', start);
        const std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
        if (!sizes.empty() && !item.empty() && std::isalpha(static_cast<unsigned char>(item[0]))) {
          // A conv or pool layer: its token, checked with the rest by the settings table.
          auto spec = parseFrontSpec(item);
          if (!spec) return fail(flag + ": " + spec.error());
          sizes.push_back(item);
        } else {
          auto n = parseInteger(flag, item, kLow, kHigh);
          if (!n)
            return fail(flag + " needs whole numbers (and conv/pool layers) separated by commas, got " + quote(text));
          sizes.push_back(*n);
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return sizes;
    }
  }
  return fail(flag + ": unknown setting type");
}

// A value as the CLI spells it: on/off, 784,128,10, names unquoted.
std::string cliText(const Setting& s, const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
  if (v.is_string()) return v.get<std::string>().empty() ? "\"\"" : v.get<std::string>();
  if (s.type == SettingType::Layers) {
    std::string out;
    for (const json& n : v) out += (out.empty() ? "" : ",") + (n.is_string() ? n.get<std::string>() : n.dump());
    return out;
  }
  return v.dump();
}

std::string allowedText(const Setting& s) {
  if (s.type == SettingType::Text) return std::string("one of ") + presetNames();
  return acceptedText(s);
}

}  // namespace

std::vector<FlagSpec> settingFlags() {
  std::vector<FlagSpec> out;
  for (const Setting& s : settingsTable()) {
    out.push_back({s.flag, true});
    for (const std::string& alias : s.aliases) out.push_back({alias.c_str(), true});
  }
  return out;
}

Status applySettingFlags(const Args& args, TrainConfig& config) {
  for (const Setting& s : settingsTable()) {
    if (s.key == std::string("preset")) continue;  // the base, applied before everything
    std::string flag;
    for (const std::string& spelling : [&] {
           std::vector<std::string> all{s.flag};
           all.insert(all.end(), s.aliases.begin(), s.aliases.end());
           return all;
         }()) {
      if (!args.has(spelling)) continue;
      if (!flag.empty()) return fail(spelling + " is another name for " + flag + "; give only one");
      flag = spelling;
    }
    if (flag.empty()) continue;
    auto value = flagValue(s, flag, *args.get(flag));
    if (!value) return fail(value.error());
    auto problem = typeProblem(s, *value);
    if (!problem) problem = rangeProblem(s, *value);
    if (problem) return fail(flag + " " + *problem);
    s.set(config, *value);
  }
  if (const auto e = checkSettings(config)) {
    const Setting* s = findSetting(e->key);
    return fail((s ? std::string(s->flag) : e->key) + " " + e->problem);
  }
  return Ok{};
}

std::string settingsHelp() {
  std::string out;
  for (const Setting& s : settingsTable()) {
    std::string left = std::string("  ") + s.flag + " " + metavar(s);
    for (const std::string& alias : s.aliases) left += ", " + alias;
    if (left.size() < 28) left.resize(28, ' ');
    else left += "  ";
    out += left + s.help;
    if (s.type != SettingType::Bool) out += " (" + allowedText(s) + ")";
    out += "\n";
  }
  return out;
}

namespace {

constexpr const char* kSettingsHelp =
    "usage: digitrain settings [--json]\n"
    "\n"
    "Lists every training setting: its key (in --config files, model files and the page's\n"
    "links), its `digitrain train` flag, what it accepts, its default and each preset's value.\n"
    "  --json    a JSON array, one object per setting: key, type, label, help, flag, aliases,\n"
    "            default, presets, and min/max (min_exclusive/max_exclusive) or values\n";

}  // namespace

int runSettings(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto args = parseCommand("settings", argv, {{"--json", false}}, kSettingsHelp, exitStatus);
  if (!args) return exitStatus;
  if (args->has("--json")) {
    std::printf("%s\n", settingsSchema().dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  const TrainConfig defaults{};
  for (const Setting& s : settingsTable()) {
    std::string flags = s.flag;
    for (const std::string& alias : s.aliases) flags += ", " + alias;
    std::printf("%-18s %-24s %s\n", s.key, flags.c_str(), name(s.type));
    std::printf("    %s: %s\n", s.label, s.help);
    std::printf("    accepts %s; default %s\n", allowedText(s).c_str(), cliText(s, s.get(defaults)).c_str());
    std::string perPreset;
    for (const Preset& p : presets())
      perPreset += (perPreset.empty() ? "" : ", ") + p.name + " " + cliText(s, s.get(p.config));
    std::printf("    presets: %s\n\n", perPreset.c_str());
  }
  return kExitOk;
}

}  // namespace digitrain::cli
