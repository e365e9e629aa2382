// TrainConfig and EpochMetrics as JSON, with the snake_case keys the model file, the page's
// settings and the CLI's --config share ("learning_rate", "batch_size", ...).
//
// The keys, types and ranges come from the settings table (settings.h); applyConfigJson
// checks each value it applies, then validate(TrainConfig) for the rules across settings.
// No function here lets an exception out; JSON errors come back as Expected errors.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "expected.h"

namespace digitrain {

// Every setting's key, in the order the model file writes them: the network first, then
// the optimiser, then the run.
const std::vector<std::string>& configKeys();

// All the settings of `config`, enums by their names.h spelling ("sigmoid", "adam", ...).
nlohmann::json configToJson(const TrainConfig& config);

// Changes only the settings `patch` names, then validates the result. Refuses a patch that
// is not an object, an unknown key ('unknown setting "foo"'), a value of the wrong type
// ('setting "epochs" (Epochs) must be a whole number, got "abc"'), out of range, or an
// unknown enum name (the message lists the allowed names).
Expected<TrainConfig> applyConfigJson(TrainConfig base, const nlohmann::json& patch);

// The same from JSON text; invalid JSON is reported with its line and column.
Expected<TrainConfig> applyConfigJsonText(TrainConfig base, std::string_view text);

// Settings JSON text as an object (empty text: an empty object), before any key is applied;
// invalid JSON is reported with its line and column, and anything but an object is refused.
Expected<nlohmann::json> parseSettingsObject(std::string_view text);

// Keys: epoch, train_loss, train_error, validation_loss, validation_error, test_loss,
// test_error, learning_rate, seconds, samples_per_second. The validation and test figures
// are null when the run had none. JSON has no NaN or infinity, so a diverged run's
// non-finite loss is written as null too, and metricsFromJson reads a null in a required
// figure back as NaN.
nlohmann::json metricsToJson(const EpochMetrics& metrics);
Expected<EpochMetrics> metricsFromJson(const nlohmann::json& json);

// Small readers shared with model_io.cpp, so both files word their messages alike.
namespace json_detail {
// A JSON integer, or a float with an integral value (30.0, 1e3), as int64; nullopt for
// anything else, including whole numbers beyond int64.
std::optional<int64_t> wholeNumber(const nlohmann::json& value);
// The value as JSON text for an error message, cut short when long; never throws.
std::string shortText(const nlohmann::json& value);
// nlohmann's message without its "[json.exception.parse_error.101] " prefix. Parsing throws
// parse_error for bad syntax and out_of_range for a number like 1e999, hence the base class.
std::string parseErrorText(const nlohmann::json::exception& e);
}  // namespace json_detail

}  // namespace digitrain
