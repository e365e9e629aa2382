// TrainConfig ↔ JSON and EpochMetrics ↔ JSON (see config_json.h). The settings' keys, types
// and ranges are the table in settings.cpp; this file only walks it.
#include "config_json.h"

#include "settings.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace digitrain {

using nlohmann::json;

namespace json_detail {

std::optional<int64_t> wholeNumber(const json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    // 2^63 is exactly representable, so the bounds test is exact.
    if (!std::isfinite(d) || d != std::floor(d) || d < -0x1p63 || d >= 0x1p63) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

namespace {

// True when arrays/objects in `value` nest more than `limit` levels deep. Iterative on
// purpose: dump() recurses once per level, so a hostile file of a few kilobytes
// ("[[[[...]]]]" 10,000 deep) overflowed the stack while its error message was being
// written (natively at ~10^5 levels; in WebAssembly at 10^4, a RangeError in the page).
bool nestedDeeperThan(const json& value, size_t limit) {
  std::vector<std::pair<const json*, size_t>> stack{{&value, 0}};
  while (!stack.empty()) {
    const auto [v, depth] = stack.back();
    stack.pop_back();
    if (!v->is_structured() || v->empty()) continue;
    if (depth >= limit) return true;
    for (const json& child : *v) stack.emplace_back(&child, depth + 1);
  }
  return false;
}

}  // namespace

std::string shortText(const json& value) {
  try {
    constexpr size_t kMaxDepth = 32;
    if (nestedDeeperThan(value, kMaxDepth))
      return std::string(value.is_array() ? "an array" : "an object") + " nested more than " +
             std::to_string(kMaxDepth) + " levels deep";
    // `replace`: a string built in C++ may hold invalid UTF-8, on which dump() would throw.
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    constexpr size_t kMax = 60;
    if (text.size() > kMax) text = text.substr(0, kMax) + "...";
    return text;
  } catch (...) {
    return "(unprintable)";
  }
}

std::string parseErrorText(const json::exception& e) {
  std::string text = e.what();
  // "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find("] ");
    if (close != std::string::npos) text = text.substr(close + 2);
  }
  return text;
}

}  // namespace json_detail

namespace {

using json_detail::shortText;
using json_detail::wholeNumber;

std::string quoted(const std::string& key) { return "\"" + key + "\""; }

// JSON has no NaN or infinity; nlohmann would write null for them anyway, say so here.
json finiteOrNull(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }
json optionalOrNull(const std::optional<double>& x) { return x ? finiteOrNull(*x) : json(nullptr); }

}  // namespace

const std::vector<std::string>& configKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const Setting& s : settingsTable()) out.emplace_back(s.key);
    return out;
  }();
  return keys;
}

json configToJson(const TrainConfig& config) {
  json out = json::object();
  for (const Setting& s : settingsTable()) out[s.key] = s.get(config);
  return out;
}

Expected<TrainConfig> applyConfigJson(TrainConfig base, const json& patch) {
  try {
    if (!patch.is_object()) return fail("settings must be a JSON object, got " + shortText(patch));
    for (const auto& [key, value] : patch.items()) {
      const Setting* s = findSetting(key);
      if (!s) return fail("unknown setting " + quoted(key));
      auto problem = typeProblem(*s, value);
      if (!problem) problem = rangeProblem(*s, value);
      if (problem) return fail(SettingError{key, *problem}.message());
      s->set(base, value);
    }
    const Status valid = validate(base);
    if (!valid) return fail(valid.error());
    return base;
  } catch (const std::exception& e) {
    return fail(std::string("could not read the settings: ") + e.what());
  }
}

Expected<nlohmann::json> parseSettingsObject(std::string_view text) {
  if (text.empty()) return json::object();
  json patch;
  try {
    patch = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return fail("the settings are not valid JSON: " + json_detail::parseErrorText(e));
  }
  if (!patch.is_object()) return fail("the settings must be a JSON object");
  return patch;
}

Expected<TrainConfig> applyConfigJsonText(TrainConfig base, std::string_view text) {
  json patch;
  try {
    patch = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return fail("the settings are not valid JSON: " + json_detail::parseErrorText(e));
  } catch (const std::exception& e) {
    return fail(std::string("could not read the settings: ") + e.what());
  }
  return applyConfigJson(std::move(base), patch);
}

json metricsToJson(const EpochMetrics& m) {
  // Built key by key rather than from an initializer list: with nlohmann, {"a", 1} pairs
  // can silently turn into arrays.
  json out = json::object();
  out["epoch"] = m.epoch;
  out["train_loss"] = finiteOrNull(m.trainLoss);
  out["train_error"] = finiteOrNull(m.trainError);
  out["validation_loss"] = optionalOrNull(m.validationLoss);
  out["validation_error"] = optionalOrNull(m.validationError);
  out["test_loss"] = optionalOrNull(m.testLoss);
  out["test_error"] = optionalOrNull(m.testError);
  out["learning_rate"] = finiteOrNull(m.learningRate);
  out["seconds"] = finiteOrNull(m.seconds);
  out["samples_per_second"] = finiteOrNull(m.samplesPerSecond);
  return out;
}

Expected<EpochMetrics> metricsFromJson(const json& in) {
  try {
    if (!in.is_object()) return fail("epoch metrics must be a JSON object, got " + shortText(in));
    EpochMetrics m;
    // Required figures: a number, or null for a non-finite one (see config_json.h).
    const std::pair<const char*, double*> required[] = {{"train_loss", &m.trainLoss},
                                                        {"train_error", &m.trainError},
                                                        {"learning_rate", &m.learningRate},
                                                        {"seconds", &m.seconds},
                                                        {"samples_per_second", &m.samplesPerSecond}};
    const std::pair<const char*, std::optional<double>*> optional[] = {{"validation_loss", &m.validationLoss},
                                                                       {"validation_error", &m.validationError},
                                                                       {"test_loss", &m.testLoss},
                                                                       {"test_error", &m.testError}};

    for (const auto& [key, value] : in.items()) {
      bool known = key == "epoch";
      for (const auto& r : required) known = known || key == r.first;
      for (const auto& o : optional) known = known || key == o.first;
      if (!known) return fail("unknown epoch metric " + quoted(key));
    }

    if (!in.contains("epoch")) return fail("missing \"epoch\"");
    const auto epoch = wholeNumber(in["epoch"]);
    if (!epoch || *epoch < 0 || *epoch > std::numeric_limits<int>::max())
      return fail("\"epoch\" must be a whole number, got " + shortText(in["epoch"]));
    m.epoch = static_cast<int>(*epoch);

    for (const auto& [key, field] : required) {
      if (!in.contains(key)) return fail("missing " + quoted(key));
      const json& v = in[key];
      if (v.is_null()) {
        *field = std::numeric_limits<double>::quiet_NaN();
      } else if (v.is_number()) {
        *field = v.get<double>();
      } else {
        return fail(quoted(key) + " must be a number, got " + shortText(v));
      }
    }
    for (const auto& [key, field] : optional) {
      if (!in.contains(key) || in[key].is_null()) {
        field->reset();
      } else if (in[key].is_number()) {
        *field = in[key].get<double>();
      } else {
        return fail(quoted(key) + " must be a number or null, got " + shortText(in[key]));
      }
    }
    return m;
  } catch (const std::exception& e) {
    return fail(std::string("could not read the epoch metrics: ") + e.what());
  }
}

}  // namespace digitrain
