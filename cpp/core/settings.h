// The training settings, described once. For every TrainConfig field one row says its key
// (the name in JSON, in model files and in the page's links), its type, its range or allowed
// names, its default and each preset's value, the label the page shows, one line of help, its
// CLI flag, and how to read and write the field. Everything else derives from this table:
//   - the JSON reader and writer (config_json.cpp), and through it the model file's "config";
//   - validate(TrainConfig) (config.cpp): every range check;
//   - the CLI's flags, their parsing and the settings part of `digitrain train --help`;
//   - `digitrain settings [--json]`, and settingsSchemaJson() for the page (through Embind),
//     which builds its form, its link checks and the inspector's choices from it.
// Ranges come from named limits (kMaxLayerUnits in network.h, kMaxThreads, kClasses), the
// allowed names from the tables in names.cpp, never listed again here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "expected.h"

namespace digitrain {

// Threads sharing a batch, at most. The Node CLI's glue (cpp/bindings/node_cli.pre.js) sizes
// its pthread pool before any of this code runs and repeats the number; see there.
constexpr int kMaxThreads = 64;

enum class SettingType {
  Text,    // a string (the preset a configuration started from)
  Layers,  // unit counts, inputs first; min/max bound each count
  Enum,    // one of `values`
  Bool,
  Int,     // a whole number in [min, max]
  Number,  // a finite number in [min, max], either end possibly exclusive
  Seed,    // a whole number from 0 to 2^64 - 1
};
const char* name(SettingType type);  // "text", "layers", "enum", "bool", "int", "number", "seed"

struct Bound {
  double value = 0;
  bool exclusive = false;
};

struct Setting {
  const char* key;  // "learning_rate"
  SettingType type;
  const char* label;                 // "Learning rate"
  const char* help;                  // one line, no final full stop
  const char* flag;                  // "--lr"
  std::vector<std::string> aliases;  // other spellings of the flag ("--hidden")
  std::optional<Bound> min, max;
  std::vector<std::string> values;   // Enum: the names allowed for this setting
  std::vector<std::string> refused;  // Enum: names of the same enum this setting refuses
  const char* refusedNote = "";      // ... and why
  // Layers: how many sizes at least, and what the last must be (0: anything in range).
  size_t minCount = 0;
  int lastValue = 0;
  // CLI words standing for a number ("full" for a batch of 0 = the whole training set).
  std::vector<std::pair<std::string, int>> words;
  nlohmann::json (*get)(const TrainConfig&);
  // Stores a value that passed typeProblem and rangeProblem.
  void (*set)(TrainConfig&, const nlohmann::json&);
};

// Every setting, in the order the model file writes them: the network first, then the
// optimiser, then the run.
const std::vector<Setting>& settingsTable();
const Setting* findSetting(const std::string& key);

// A setting's problem, with its key apart so that each front end can name the setting in its
// own terms (the CLI its flag, the page its field). `problem` reads after the name:
// "must be at least 0 and below 1, got 1".
struct SettingError {
  std::string key;
  std::string problem;
  // 'setting "momentum" (Momentum) must be at least 0 and below 1, got 1'
  std::string message() const;
};

// What is wrong with `value` as this setting's JSON type (a wrong type, an unknown name
// listing the allowed ones), then with its range: nullopt when it may be stored with `set`.
std::optional<std::string> typeProblem(const Setting& setting, const nlohmann::json& value);
std::optional<std::string> rangeProblem(const Setting& setting, const nlohmann::json& value);

// Every range, every name and the rules across settings (the last layer has kClasses units,
// softmax only on the output, the loss's required output); the first problem found.
std::optional<SettingError> checkSettings(const TrainConfig& config);

// "at least 0 and below 1", "from 1 to 64", "above 0": the bounds of a setting in words.
std::string rangeText(const Setting& setting);
// What a setting accepts, type included: "a number at least 0 and below 1", "one of sgd, ...".
std::string acceptedText(const Setting& setting);

// The table as JSON, for `digitrain settings --json` and the page: an array of
//   {key, type, label, help, flag, aliases, default, presets: {name: value}, and
//    min/max with min_exclusive/max_exclusive, or values; layers: min_count, last;
//    words: {"full": 0}}
// plus, on "loss", "required_output": {"cross-entropy": "softmax"}.
nlohmann::ordered_json settingsSchema();
std::string settingsSchemaJson();

}  // namespace digitrain
