// The settings table and what reads it generically (see settings.h).
#include "settings.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <type_traits>
#include <utility>

#include "augment.h"
#include "config_json.h"
#include "crop.h"
#include "presets.h"
#include "types.h"

namespace digitrain {

using json_detail::shortText;
using json_detail::wholeNumber;
using nlohmann::json;
using nlohmann::ordered_json;

const char* name(SettingType type) {
  switch (type) {
    case SettingType::Text: return "text";
    case SettingType::Layers: return "layers";
    case SettingType::Enum: return "enum";
    case SettingType::Bool: return "bool";
    case SettingType::Int: return "int";
    case SettingType::Number: return "number";
    case SettingType::Seed: return "seed";
  }
  return "?";
}

namespace {

constexpr int kIntMax = std::numeric_limits<int>::max();

// ---- field access: one pair of functions per TrainConfig member, chosen by its type ----

json toJson(const std::string& v) { return v; }
json toJson(int v) { return v; }
json toJson(double v) { return v; }
json toJson(bool v) { return v; }
json toJson(uint64_t v) { return v; }
template <class E, class = std::enable_if_t<std::is_enum_v<E>>>
json toJson(E v) {
  return name(v);
}

void fromJson(const json& v, std::string& out) { out = v.get<std::string>(); }
void fromJson(const json& v, int& out) { out = static_cast<int>(*wholeNumber(v)); }
void fromJson(const json& v, double& out) { out = v.get<double>(); }
void fromJson(const json& v, bool& out) { out = v.get<bool>(); }
void fromJson(const json& v, uint64_t& out) {
  out = v.is_number_unsigned() ? v.get<uint64_t>() : static_cast<uint64_t>(*wholeNumber(v));
}
void fromJson(const json& v, Activation& out) { out = *parseActivation(v.get<std::string>()); }
void fromJson(const json& v, Loss& out) { out = *parseLoss(v.get<std::string>()); }
void fromJson(const json& v, Init& out) { out = *parseInit(v.get<std::string>()); }
void fromJson(const json& v, BiasInit& out) { out = *parseBiasInit(v.get<std::string>()); }
void fromJson(const json& v, Reduction& out) { out = *parseReduction(v.get<std::string>()); }
void fromJson(const json& v, Optimizer& out) { out = *parseOptimizer(v.get<std::string>()); }

template <auto Member>
json getField(const TrainConfig& c) {
  return toJson(c.*Member);
}
template <auto Member>
void setField(TrainConfig& c, const json& v) {
  fromJson(v, c.*Member);
}

#define DIGITRAIN_FIELD(MEMBER) &getField<&TrainConfig::MEMBER>, &setField<&TrainConfig::MEMBER>

// One list holds both TrainConfig::layers and ::front: the inputs, the conv/pool layers by
// their tokens, then the dense sizes: [784, "conv5x8", "pool2", 10].
json getLayers(const TrainConfig& c) {
  json out = json::array();
  for (size_t i = 0; i < c.layers.size(); ++i) {
    out.push_back(c.layers[i]);
    if (i == 0)
      for (const FrontSpec& f : c.front) out.push_back(frontToken(f));
  }
  return out;
}
void setLayers(TrainConfig& c, const json& v) {
  c.layers.clear();
  c.front.clear();
  for (const json& n : v) {
    if (n.is_string()) c.front.push_back(*parseFrontSpec(n.get<std::string>()));
    else c.layers.push_back(static_cast<int>(*wholeNumber(n)));
  }
}

// ---- rows ----

Bound atLeast(double v) { return {v, false}; }
Bound above(double v) { return {v, true}; }
Bound atMost(double v) { return {v, false}; }
Bound below(double v) { return {v, true}; }

using Get = json (*)(const TrainConfig&);
using Set = void (*)(TrainConfig&, const json&);

Setting row(const char* key, SettingType type, const char* label, const char* help, const char* flag, Get get,
            Set set) {
  Setting s{};
  s.key = key;
  s.type = type;
  s.label = label;
  s.help = help;
  s.flag = flag;
  s.get = get;
  s.set = set;
  return s;
}

Setting ranged(Setting s, std::optional<Bound> min, std::optional<Bound> max) {
  s.min = min;
  s.max = max;
  return s;
}

Setting choice(Setting s, std::vector<std::string> values) {
  s.values = std::move(values);
  return s;
}

std::vector<std::string> activationsBeforeOutput() {
  std::vector<std::string> out;
  for (const std::string& n : activationNames())
    if (allowedBeforeOutput(*parseActivation(n))) out.push_back(n);
  return out;
}

std::vector<Setting> buildTable() {
  using T = SettingType;
  std::vector<Setting> t;
  t.push_back(row("preset", T::Text, "Preset", "the preset the settings start from (see `digitrain presets`)",
                  "--preset", DIGITRAIN_FIELD(preset)));

  Setting layers =
      ranged(row("layers", T::Layers, "Layer sizes",
                 "unit counts, inputs first; the last is the 10 digits; conv/pool layers (conv5x8, pool2) may follow "
                 "the inputs",
                 "--layers", &getLayers, &setLayers),
             atLeast(1), atMost(kMaxLayerUnits));
  layers.minCount = 2;
  layers.lastValue = kClasses;
  t.push_back(layers);

  Setting hidden = choice(row("hidden", T::Enum, "Hidden activation", "activation of the hidden layers", "--activation",
                              DIGITRAIN_FIELD(hidden)),
                          activationsBeforeOutput());
  hidden.aliases = {"--hidden"};
  for (const std::string& n : activationNames())
    if (!allowedBeforeOutput(*parseActivation(n))) hidden.refused.push_back(n);
  hidden.refusedNote = "only the output layer may have it";
  t.push_back(hidden);
  t.push_back(choice(row("output", T::Enum, "Output activation", "activation of the output layer", "--output",
                         DIGITRAIN_FIELD(output)),
                     activationNames()));
  t.push_back(
      choice(row("loss", T::Enum, "Loss", "what training minimises", "--loss", DIGITRAIN_FIELD(loss)), lossNames()));
  t.push_back(row("bias", T::Bool, "Biases", "a bias on every unit", "--bias", DIGITRAIN_FIELD(bias)));
  t.push_back(choice(row("bias_init", T::Enum, "Bias init",
                         "zero; like-weights: drawn with the weights as one more input row fixed at 1; "
                         "relu-0.1: 0.1 in ReLU layers, else 0",
                         "--bias-init", DIGITRAIN_FIELD(biasInit)),
                     biasInitNames()));
  t.push_back(
      choice(row("init", T::Enum, "Weight init", "how the first weights are drawn", "--init", DIGITRAIN_FIELD(init)),
             initNames()));
  t.push_back(ranged(row("init_scale", T::Number, "Uniform init half-width", "half-width of the uniform init",
                         "--init-scale", DIGITRAIN_FIELD(initScale)),
                     above(0), std::nullopt));
  t.push_back(choice(row("reduction", T::Enum, "Batch gradient", "sum (δw = aᵀ·e) or mean over the batch",
                         "--reduction", DIGITRAIN_FIELD(reduction)),
                     reductionNames()));
  t.push_back(choice(row("optimizer", T::Enum, "Optimiser", "how the gradient moves the weights", "--optimizer",
                         DIGITRAIN_FIELD(optimizer)),
                     optimizerNames()));
  t.push_back(
      ranged(row("learning_rate", T::Number, "Learning rate", "step size", "--lr", DIGITRAIN_FIELD(learningRate)),
             above(0), atMost(1e6)));
  t.push_back(ranged(row("momentum", T::Number, "Momentum", "velocity kept between steps (optimizer momentum)",
                         "--momentum", DIGITRAIN_FIELD(momentum)),
                     atLeast(0), below(1)));
  t.push_back(
      ranged(row("beta1", T::Number, "Adam β1", "decay of Adam's mean gradient", "--beta1", DIGITRAIN_FIELD(beta1)),
             atLeast(0), below(1)));
  t.push_back(ranged(
      row("beta2", T::Number, "Adam β2", "decay of Adam's mean squared gradient", "--beta2", DIGITRAIN_FIELD(beta2)),
      atLeast(0), below(1)));
  t.push_back(
      ranged(row("epsilon", T::Number, "Adam ε", "added to Adam's denominator", "--epsilon", DIGITRAIN_FIELD(epsilon)),
             above(0), std::nullopt));
  t.push_back(ranged(row("rho", T::Number, "Adadelta ρ", "decay of Adadelta's mean squared gradient and step", "--rho",
                         DIGITRAIN_FIELD(rho)),
                     atLeast(0), below(1)));
  t.push_back(ranged(row("adadelta_epsilon", T::Number, "Adadelta ε", "added inside Adadelta's square roots",
                         "--adadelta-epsilon", DIGITRAIN_FIELD(adadeltaEpsilon)),
                     above(0), std::nullopt));

  Setting batch =
      ranged(row("batch_size", T::Int, "Batch size", "samples per step; 0 (or `full`) = the whole training set",
                 "--batch", DIGITRAIN_FIELD(batchSize)),
             atLeast(0), atMost(kIntMax));
  batch.words = {{"full", 0}};
  t.push_back(batch);
  t.push_back(
      ranged(row("epochs", T::Int, "Epochs", "passes over the training set", "--epochs", DIGITRAIN_FIELD(epochs)),
             atLeast(1), atMost(100000)));
  t.push_back(ranged(row("validation", T::Int, "Validation samples", "the last K training samples, held out",
                         "--validation", DIGITRAIN_FIELD(validation)),
                     atLeast(0), atMost(kIntMax)));
  t.push_back(ranged(row("validation_limit", T::Int, "Validation subset", "first K of the held-out samples (0 = all)",
                         "--validation-limit", DIGITRAIN_FIELD(validationLimit)),
                     atLeast(0), atMost(kIntMax)));
  t.push_back(ranged(row("limit", T::Int, "Training subset", "first N of the samples not held out (0 = all)", "--limit",
                         DIGITRAIN_FIELD(limit)),
                     atLeast(0), atMost(kIntMax)));
  t.push_back(ranged(row("test_limit", T::Int, "Test subset", "first N test samples (0 = all)", "--test-limit",
                         DIGITRAIN_FIELD(testLimit)),
                     atLeast(0), atMost(kIntMax)));
  t.push_back(ranged(row("l2", T::Number, "L2 (λ)", "L2 weight decay (biases excluded)", "--l2", DIGITRAIN_FIELD(l2)),
                     atLeast(0), std::nullopt));
  t.push_back(ranged(row("dropout", T::Number, "Dropout", "inverted dropout on the hidden layers", "--dropout",
                         DIGITRAIN_FIELD(dropout)),
                     atLeast(0), below(1)));
  t.push_back(row("anneal_on_rise", T::Bool, "Anneal lr when the cost rises",
                  "lr × the anneal factor whenever the epoch's cost rises", "--anneal", DIGITRAIN_FIELD(annealOnRise)));
  t.push_back(ranged(row("anneal_factor", T::Number, "Anneal factor", "what a rise multiplies the lr by",
                         "--anneal-factor", DIGITRAIN_FIELD(annealFactor)),
                     above(0), atMost(1)));
  t.push_back(ranged(
      row("step_decay_every", T::Int, "Step decay every N epochs",
          "lr × the step decay factor every N epochs (0 = off)", "--step-decay-every", DIGITRAIN_FIELD(stepDecayEvery)),
      atLeast(0), atMost(kIntMax)));
  t.push_back(
      ranged(row("step_decay_factor", T::Number, "Step decay factor", "what each step decay multiplies the lr by",
                 "--step-decay-factor", DIGITRAIN_FIELD(stepDecayFactor)),
             above(0), atMost(1)));
  t.push_back(row("shuffle", T::Bool, "Shuffle every epoch",
                  "reshuffle the training order every epoch (off: file order)", "--shuffle", DIGITRAIN_FIELD(shuffle)));
  // Augmentation (augment.h): one switch, then the range of each distortion.
  t.push_back(row("augment", T::Bool, "Augment training digits",
                  "redraw every training digit each epoch under a random shift, rotation, scale, shear and elastic "
                  "distortion",
                  "--augment", DIGITRAIN_FIELD(augment)));
  t.push_back(ranged(row("augment_shift", T::Number, "Max shift (px)", "largest shift, each direction, in pixels",
                         "--augment-shift", DIGITRAIN_FIELD(augmentShift)),
                     atLeast(0), atMost(kMaxAugmentShift)));
  t.push_back(ranged(row("augment_rotation", T::Number, "Max rotation (°)", "largest rotation either way, in degrees",
                         "--augment-rotation", DIGITRAIN_FIELD(augmentRotation)),
                     atLeast(0), atMost(kMaxAugmentRotation)));
  t.push_back(ranged(
      row("augment_scale", T::Number, "Scale range (±)", "the digit is scaled by a factor from 1 − this to 1 + this",
          "--augment-scale", DIGITRAIN_FIELD(augmentScale)),
      atLeast(0), atMost(kMaxAugmentScale)));
  t.push_back(ranged(row("augment_shear", T::Number, "Max shear", "largest horizontal shear (x += shear·y) either way",
                         "--augment-shear", DIGITRAIN_FIELD(augmentShear)),
                     atLeast(0), atMost(kMaxAugmentShear)));
  t.push_back(ranged(row("elastic_alpha", T::Number, "Elastic α (px)",
                         "scale of the elastic distortion's smoothed random displacements (0 = none)",
                         "--elastic-alpha", DIGITRAIN_FIELD(elasticAlpha)),
                     atLeast(0), atMost(kMaxElasticAlpha)));
  t.push_back(ranged(row("elastic_sigma", T::Number, "Elastic σ (px)",
                         "width of the Gaussian smoothing the elastic displacements: larger is smoother",
                         "--elastic-sigma", DIGITRAIN_FIELD(elasticSigma)),
                     atLeast(kMinElasticSigma), atMost(kMaxElasticSigma)));
  t.push_back(ranged(row("crop", T::Int, "Random crop (px)",
                         "train on a random crop×crop window of each digit, predict from the mean of 4 windows; "
                         "the network then has crop² inputs (0 = off)",
                         "--crop", DIGITRAIN_FIELD(crop)),
                     atLeast(0), atMost(kMaxCrop)));
  t.push_back(row("seed", T::Seed, "Seed", "seed of every random draw (weights, order, dropout)", "--seed",
                  DIGITRAIN_FIELD(seed)));
  Setting threads = ranged(row("threads", T::Int, "Threads",
                               "threads sharing each batch; 0 (or `auto`) = chosen from the batch's work and a "
                               "short measurement on this machine",
                               "--threads", DIGITRAIN_FIELD(threads)),
                           atLeast(0), atMost(kMaxThreads));
  threads.words = {{"auto", 0}};
  t.push_back(threads);
  return t;
}

#undef DIGITRAIN_FIELD

// Shortest text that reads back as the same double: 0.001, 1000000, 1e-08.
std::string numberText(double x) {
  char buf[40];
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", x);
    return buf;
  }
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string quoted(const std::string& key) { return "\"" + key + "\""; }

bool inRange(const Setting& s, double x) {
  if (s.min && (s.min->exclusive ? !(x > s.min->value) : !(x >= s.min->value))) return false;
  if (s.max && (s.max->exclusive ? !(x < s.max->value) : !(x <= s.max->value))) return false;
  return true;
}

std::optional<std::string> enumProblem(const Setting& s, const std::string& text) {
  for (const std::string& v : s.values)
    if (v == text) return std::nullopt;
  std::string problem = "must be one of " + joined(s.values) + ", got " + shortText(json(text));
  for (const std::string& r : s.refused)
    if (r == text) problem += " (" + std::string(s.refusedNote) + ")";
  return problem;
}

}  // namespace

const std::vector<Setting>& settingsTable() {
  static const std::vector<Setting> table = buildTable();
  return table;
}

const Setting* findSetting(const std::string& key) {
  for (const Setting& s : settingsTable())
    if (key == s.key) return &s;
  return nullptr;
}

std::string SettingError::message() const {
  const Setting* s = findSetting(key);
  return "setting " + quoted(key) + (s ? std::string(" (") + s->label + ")" : std::string()) + " " + problem;
}

std::string rangeText(const Setting& s) {
  const auto low = [&](const Bound& b) { return (b.exclusive ? "above " : "at least ") + numberText(b.value); };
  const auto high = [&](const Bound& b) { return (b.exclusive ? "below " : "at most ") + numberText(b.value); };
  if (s.min && s.max && !s.min->exclusive && !s.max->exclusive)
    return "from " + numberText(s.min->value) + " to " + numberText(s.max->value);
  if (s.min && s.max) return low(*s.min) + " and " + high(*s.max);
  if (s.min) return low(*s.min);
  if (s.max) return high(*s.max);
  return "";
}

std::string acceptedText(const Setting& s) {
  switch (s.type) {
    case SettingType::Layers:
      return "at least " + std::to_string(s.minCount) + " whole numbers " + rangeText(s) +
             (s.lastValue ? ", the last " + std::to_string(s.lastValue) : std::string());
    case SettingType::Int: return "a whole number " + rangeText(s);
    case SettingType::Number: return s.min || s.max ? "a number " + rangeText(s) : "a number";
    case SettingType::Seed: return "a whole number from 0 to 18446744073709551615";
    case SettingType::Enum: return "one of " + joined(s.values);
    case SettingType::Bool: return "true or false";
    case SettingType::Text: return "a string";
  }
  return "";
}

std::optional<std::string> typeProblem(const Setting& s, const json& v) {
  const auto got = [&] { return ", got " + shortText(v); };
  switch (s.type) {
    case SettingType::Text:
      if (!v.is_string()) return "must be a string" + got();
      return std::nullopt;
    case SettingType::Bool:
      if (!v.is_boolean()) return "must be true or false" + got();
      return std::nullopt;
    case SettingType::Number:
      if (!v.is_number()) return "must be a number" + got();
      return std::nullopt;
    case SettingType::Int:
      if (!wholeNumber(v)) return "must be a whole number" + got();
      return std::nullopt;
    case SettingType::Seed:
      if (v.is_number_unsigned()) return std::nullopt;
      if (const auto n = wholeNumber(v); n && *n >= 0) return std::nullopt;
      return "must be " + acceptedText(s) + got();
    case SettingType::Enum:
      if (!v.is_string()) return "must be one of " + joined(s.values) + got();
      return enumProblem(s, v.get<std::string>());
    case SettingType::Layers: {
      if (!v.is_array()) return "must be an array of whole numbers" + got();
      bool dense = false;  // a dense size after the inputs was seen
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string at = " at position " + std::to_string(i + 1);
        const bool layerName = v[i].is_string() && namesFrontLayer(v[i].get<std::string>());
        if (layerName && i > 0) {
          auto spec = parseFrontSpec(v[i].get<std::string>());
          if (!spec) return "has an invalid layer at position " + std::to_string(i + 1) + ": " + spec.error();
          if (dense)
            return "has " + v[i].get<std::string>() + at +
                   " after a dense layer: conv and pool layers come right after the inputs";
          continue;
        }
        if (!wholeNumber(v[i])) return "must be an array of whole numbers, got " + shortText(v[i]) + at;
        dense = i > 0;
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::string> rangeProblem(const Setting& s, const json& v) {
  switch (s.type) {
    case SettingType::Number: {
      const double x = v.get<double>();
      if (!std::isfinite(x) || !inRange(s, x)) return "must be " + rangeText(s) + ", got " + numberText(x);
      return std::nullopt;
    }
    case SettingType::Int: {
      const int64_t n = *wholeNumber(v);
      if (!inRange(s, static_cast<double>(n))) return "must be " + rangeText(s) + ", got " + std::to_string(n);
      return std::nullopt;
    }
    case SettingType::Layers: {
      size_t sizes = 0;
      for (const json& n : v) sizes += n.is_string() ? 0 : 1;
      if (sizes < s.minCount)
        return "needs at least " + std::to_string(s.minCount) + " sizes (inputs and outputs), got " +
               std::to_string(sizes);
      std::vector<FrontSpec> front;
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].is_string()) {
          front.push_back(*parseFrontSpec(v[i].get<std::string>()));
          continue;
        }
        const int64_t n = *wholeNumber(v[i]);
        if (!inRange(s, static_cast<double>(n)))
          return "must be " + acceptedText(s) + ", got " + std::to_string(n) + " at position " + std::to_string(i + 1);
      }
      if (s.lastValue && (v.back().is_string() || *wholeNumber(v.back()) != s.lastValue))
        return "must end with " + std::to_string(s.lastValue) + " units (one per digit), got " +
               (v.back().is_string() ? v.back().get<std::string>() : std::to_string(*wholeNumber(v.back())));
      if (auto flat = frontOutputSize(static_cast<int>(*wholeNumber(v.front())), front); !flat) return flat.error();
      return std::nullopt;
    }
    case SettingType::Enum: return enumProblem(s, v.get<std::string>());
    case SettingType::Text:
    case SettingType::Bool:
    case SettingType::Seed: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<SettingError> checkSettings(const TrainConfig& config) {
  for (const Setting& s : settingsTable()) {
    const json v = s.get(config);
    if (auto p = typeProblem(s, v)) return SettingError{s.key, *p};
    if (auto p = rangeProblem(s, v)) return SettingError{s.key, *p};
  }
  // The hidden activation is refused by its allowed names; what is left across settings is the
  // output the loss needs (names.h).
  if (const auto needed = requiredOutput(config.loss); needed && config.output != *needed)
    return SettingError{"output", std::string("must be ") + name(*needed) + " with the " + name(config.loss) +
                                      " loss, got " + name(config.output)};
  return std::nullopt;
}

ordered_json settingsSchema() {
  // Each preset's settings, as the model file writes them.
  std::vector<std::pair<std::string, json>> presetValues;
  for (const Preset& p : presets()) presetValues.emplace_back(p.name, configToJson(p.config));
  const TrainConfig defaults{};

  ordered_json out = ordered_json::array();
  for (const Setting& s : settingsTable()) {
    ordered_json j;
    j["key"] = s.key;
    j["type"] = name(s.type);
    j["label"] = s.label;
    j["help"] = s.help;
    j["flag"] = s.flag;
    j["aliases"] = s.aliases;
    j["default"] = s.get(defaults);
    if (s.min) {
      j["min"] = s.min->value;
      j["min_exclusive"] = s.min->exclusive;
    }
    if (s.max) {
      j["max"] = s.max->value;
      j["max_exclusive"] = s.max->exclusive;
    }
    if (s.type == SettingType::Seed) {
      j["min"] = 0;
      j["max"] = std::numeric_limits<uint64_t>::max();
    }
    if (s.type == SettingType::Enum) j["values"] = s.values;
    if (s.type == SettingType::Layers) {
      j["min_count"] = s.minCount;
      if (s.lastValue) j["last"] = s.lastValue;
      j["layer_prefixes"] = frontPrefixes();
    }
    if (!s.words.empty()) {
      ordered_json words = ordered_json::object();
      for (const auto& [word, value] : s.words) words[word] = value;
      j["words"] = words;
    }
    if (s.type == SettingType::Enum && s.key == std::string("loss")) {
      ordered_json required = ordered_json::object();
      for (const std::string& l : s.values)
        if (const auto needed = requiredOutput(*parseLoss(l))) required[l] = name(*needed);
      j["required_output"] = required;
    }
    ordered_json perPreset = ordered_json::object();
    for (const auto& [presetName, config] : presetValues) perPreset[presetName] = config.at(s.key);
    j["presets"] = perPreset;
    out.push_back(j);
  }
  return out;
}

std::string settingsSchemaJson() { return settingsSchema().dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace digitrain
