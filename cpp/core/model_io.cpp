// Writing and checking the model file (see model_io.h for the format). Not file I/O, and
// not training: a Model here is only data going to and from text.
#include "model_io.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "config_json.h"

namespace digitrain {

using json_detail::shortText;
using json_detail::wholeNumber;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "digitrain-model";
constexpr const char* kScale = "pixel/255";

// ---------------------------------------------------------------------------------------
// Writing

bool sameBits(float a, float b) {
  uint32_t x, y;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

// The shortest decimal that reads back as exactly this float ("0.1", not the double
// 0.10000000149011612), so the file stays readable. The reader parses it as a double and
// rounds that to float; a rounding done twice could in principle land elsewhere, so each
// candidate is checked that way, and the float's exact double value is written when none
// passes. Not std::to_chars: Emscripten's libc++ has no float to_chars; one code path keeps
// native and browser files byte for byte the same.
void appendFloat(std::string& out, float f) {
  if (!std::isfinite(f)) {
    out += "null";  // JSON has no NaN or infinity; the reader refuses it by name
    return;
  }
  if (f == 0.0f && std::signbit(f)) {
    out += "-0.0";  // "-0" would parse as the integer 0 and lose the sign
    return;
  }
  // Grisu2 in integer arithmetic (nlohmann's to_chars for float): the shortest digits that
  // identify the float, without printf, whose long-double emulation makes it ~10× slower
  // in WebAssembly. Checked through the reader's double rounding like the fallback below.
  {
    char fast[64];
    char* end = nlohmann::detail::to_chars(fast, fast + sizeof fast - 1, f);
    *end = '\0';
    if (sameBits(static_cast<float>(std::strtod(fast, nullptr)), f)) {
      out.append(fast, end);
      return;
    }
  }
  char buf[40], best[40];
  auto fits = [&](int digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
    // A locale with a decimal comma would make invalid JSON; such text never "fits".
    for (const char* c = buf; *c; ++c)
      if (!std::strchr("0123456789+-.e", *c)) return false;
    if (!sameBits(static_cast<float>(std::strtod(buf, nullptr)), f)) return false;
    std::memcpy(best, buf, sizeof best);
    return true;
  };
  // A rounding to d digits is also a (d+1)-digit decimal, so the digit counts that fit form
  // a range [shortest, 9]. Trained weights mostly need 8 or 9 digits: try 7, 8, 9 first,
  // and binary-search below 7 only for numbers that are short anyway.
  if (fits(7)) {
    int lo = 1, hi = 7;
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (fits(mid)) hi = mid;
      else lo = mid + 1;
    }
  } else if (!fits(8) && !fits(9)) {
    // 9 digits identify any float; this is the double rounding. Write the float's exact
    // value as a double instead (every float is one).
    out += json(static_cast<double>(f)).dump();
    return;
  }
  out += best;
}

template <class Vec>
void appendNumbers(std::string& out, const Vec& values) {
  out += '[';
  for (Eigen::Index j = 0; j < values.size(); ++j) {
    if (j) out += ", ";
    appendFloat(out, values(j));
  }
  out += ']';
}

std::string jsonText(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// ---------------------------------------------------------------------------------------
// Reading

const char* kindOf(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "true/false";
    case json::value_t::null: return "null";
    case json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

const json* find(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// Refuses keys outside `known`: a misspelt "biases" must not silently mean "no bias".
std::optional<std::string> unknownKey(const json& object, std::initializer_list<const char*> known) {
  for (const auto& item : object.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || item.key() == k;
    if (!ok) return item.key();
  }
  return std::nullopt;
}

// A JSON number that is a finite float once rounded. 0x1.ffffffp127 is the midpoint
// between FLT_MAX and 2^128: anything below it rounds to a finite float (FLT_MAX itself is
// written as 3.4028235e+38, a little above FLT_MAX).
std::optional<float> finiteFloat(const json& v) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.get<double>();
  if (!(std::fabs(d) < 0x1.ffffffp127)) return std::nullopt;
  return static_cast<float>(d);
}

std::string notFinite(const std::string& path, const json& v) {
  if (v.is_number()) return path + " is not a finite number (" + shortText(v) + " is outside the 32-bit float range)";
  return path + " is not a finite number (got " + shortText(v) + ")";
}

struct LayerHeader {
  long long inputs = 0, outputs = 0;
  Activation activation = Activation::Sigmoid;
};

class ModelReader {
 public:
  explicit ModelReader(const std::string& fileName) : file_(fileName) {}

  Expected<Model> read(std::string_view text) {
    json doc;
    try {
      doc = json::parse(text.begin(), text.end());
    } catch (const json::exception& e) {
      return bad("not valid JSON: " + json_detail::parseErrorText(e));
    }
    if (!doc.is_object())
      return bad(std::string("not a digitrain model file (expected a JSON object, got ") + kindOf(doc) + ")");

    const json* format = find(doc, "format");
    if (!format) return bad("not a digitrain model file (\"format\" is missing; expected \"digitrain-model\")");
    if (!format->is_string() || format->get_ref<const std::string&>() != kFormat)
      return bad("not a digitrain model file (\"format\" is " + shortText(*format) + ", expected \"digitrain-model\")");

    const json* version = find(doc, "version");
    if (!version) return bad("\"version\" is missing");
    const auto v = wholeNumber(*version);
    if (!v) return bad("\"version\" must be a whole number, got " + shortText(*version));
    if (*v > kModelVersion)
      return bad("\"version\" is " + std::to_string(*v) + " but this digitrain reads version " +
                 std::to_string(kModelVersion) + " — the file was written by a newer digitrain");
    if (*v < 1)
      return bad("\"version\" is " + std::to_string(*v) + " but this digitrain reads version " +
                 std::to_string(kModelVersion));
    version_ = static_cast<int>(*v);

    // Checked after the version: a newer format may well add fields.
    if (auto key = unknownKey(doc, {"format", "version", "loss", "input", "layers", "config", "history"}))
      return bad("unknown field \"" + *key + "\" (known: format, version, loss, input, layers, config, history)");

    Model model;
    const json* loss = find(doc, "loss");
    if (!loss) return bad("\"loss\" is missing");
    const auto parsedLoss = loss->is_string() ? parseLoss(loss->get_ref<const std::string&>()) : std::nullopt;
    if (!parsedLoss) return bad("\"loss\" " + shortText(*loss) + " is not one of " + allowedLosses());
    model.network.loss = *parsedLoss;

    if (Status s = readInput(doc, model); !s) return fail(s.error());
    if (Status s = readLayers(doc, model); !s) return fail(s.error());

    if (const json* config = find(doc, "config"); config && !config->is_null()) {
      auto parsed = applyConfigJson(TrainConfig{}, *config);
      if (!parsed) return bad("\"config\": " + parsed.error());
      model.config = std::move(parsed.value());
    }

    if (const json* history = find(doc, "history"); history && !history->is_null()) {
      if (!history->is_array()) return bad(std::string("\"history\" must be an array, got ") + kindOf(*history));
      for (size_t i = 0; i < history->size(); ++i) {
        auto metrics = metricsFromJson((*history)[i]);
        if (!metrics) return bad("history[" + std::to_string(i) + "]: " + metrics.error());
        model.history.push_back(metrics.value());
      }
    }
    return model;
  }

 private:
  Error bad(const std::string& message) const { return fail(file_ + ": " + message); }

  // A whole number in [1, max] at `path`.
  Expected<long long> count(const json& object, const char* key, const std::string& path, long long max) const {
    const json* v = find(object, key);
    if (!v) return bad(path + " is missing \"" + key + "\"");
    const auto n = wholeNumber(*v);
    const std::string where = path + (path.empty() ? "" : ".") + key;
    if (!n) return bad(where + " must be a whole number, got " + shortText(*v));
    if (*n < 1 || *n > max) return bad(where + " is " + std::to_string(*n) + ", expected 1 to " + std::to_string(max));
    return static_cast<long long>(*n);
  }

  Status readInput(const json& doc, Model& model) const {
    const json* input = find(doc, "input");
    if (!input) return bad("\"input\" is missing");
    if (!input->is_object()) return bad(std::string("\"input\" must be an object, got ") + kindOf(*input));
    if (auto key = unknownKey(*input, {"rows", "cols", "scale"}))
      return bad("input has an unknown field \"" + *key + "\" (known: rows, cols, scale)");
    constexpr long long kMaxSide = 1 << 16;
    auto rows = count(*input, "rows", "input", kMaxSide);
    if (!rows) return fail(rows.error());
    auto cols = count(*input, "cols", "input", kMaxSide);
    if (!cols) return fail(cols.error());
    const json* scale = find(*input, "scale");
    if (!scale) return bad("input is missing \"scale\"");
    // The only scaling this digitrain applies; a model trained on other inputs would
    // silently misread every pixel.
    if (!scale->is_string() || scale->get_ref<const std::string&>() != kScale)
      return bad("input.scale is " + shortText(*scale) + ", expected \"pixel/255\"");
    model.inputRows = static_cast<int>(*rows);
    model.inputCols = static_cast<int>(*cols);
    return Ok{};
  }

  // A conv or pool layer (version 2):
  //   {"type": "conv", "kernel": 5, "filters": 8, "stride": 1, "padding": "valid" | "same",
  //    "activation": "relu", "weights": [filters][in][kernel][kernel] numbers, "bias": [filters] | null}
  //   {"type": "pool", "kernel": 2, "stride": 2}
  Status readFrontLayer(const json& layer, const std::string& path, Shape3 in, long long& total, Model& model) const {
    const std::string type = layer.at("type").is_string() ? layer.at("type").get<std::string>() : "";
    FrontSpec spec;
    if (type == "pool") {
      if (auto key = unknownKey(layer, {"type", "kernel", "stride"}))
        return bad(path + " has an unknown field \"" + *key + "\" (known: type, kernel, stride)");
      spec.kind = FrontKind::Pool;
    } else if (type == "conv") {
      if (auto key =
              unknownKey(layer, {"type", "kernel", "filters", "stride", "padding", "activation", "weights", "bias"}))
        return bad(path + " has an unknown field \"" + *key +
                   "\" (known: type, kernel, filters, stride, padding, activation, weights, bias)");
    } else {
      return bad(path + ".type is " + shortText(layer.at("type")) + ", expected \"conv\", \"pool\" or \"dense\"");
    }
    auto kernel = count(layer, "kernel", path, kMaxKernel);
    if (!kernel) return fail(kernel.error());
    auto stride = count(layer, "stride", path, kMaxKernel);
    if (!stride) return fail(stride.error());
    spec.kernel = static_cast<int>(*kernel);
    spec.stride = static_cast<int>(*stride);
    Activation activation = Activation::Identity;
    if (spec.kind == FrontKind::Conv) {
      auto filters = count(layer, "filters", path, kMaxFilters);
      if (!filters) return fail(filters.error());
      spec.filters = static_cast<int>(*filters);
      const json* padding = find(layer, "padding");
      if (!padding || !padding->is_string() ||
          (padding->get<std::string>() != "valid" && padding->get<std::string>() != "same"))
        return bad(path + ".padding must be \"valid\" or \"same\"" + (padding ? ", got " + shortText(*padding) : ""));
      spec.same = padding->get<std::string>() == "same";
      const json* act = find(layer, "activation");
      if (!act) return bad(path + " is missing \"activation\"");
      const auto parsed = act->is_string() ? parseActivation(act->get_ref<const std::string&>()) : std::nullopt;
      if (!parsed || !allowedBeforeOutput(*parsed))
        return bad(path + ".activation " + shortText(*act) + " is not an activation allowed before the output");
      activation = *parsed;
    }
    auto shaped = shapedFrontLayer<Scalar>(spec, in, activation);
    if (!shaped) return bad(path + " (" + frontToken(spec) + ") " + shaped.error());
    FrontLayer f = std::move(*shaped);
    if (f.out.size() > kMaxLayerWeights)
      return bad(path + " gives a " + shapeText(f.out) + " map, more than the limit");
    if (f.isConv()) {
      const long long weights = static_cast<long long>(f.patch()) * spec.filters;
      total += weights;
      if (weights > kMaxLayerWeights || total > kMaxModelWeights) return bad(path + " has more weights than the limit");
      const json* w = find(layer, "weights");
      if (!w) return bad(path + " is missing \"weights\"");
      const int k = spec.kernel, C = in.c;
      const std::string shape = "[" + std::to_string(spec.filters) + "][" + std::to_string(C) + "][" +
                                std::to_string(k) + "][" + std::to_string(k) + "]";
      f.weights.resize(f.patch(), spec.filters);
      const auto sized = [](const json& v, long long n) {
        return v.is_array() && static_cast<long long>(v.size()) == n;
      };
      if (!sized(*w, spec.filters))
        return bad(path + ".weights must be an array shaped " + shape + " (out, in, ky, kx)");
      for (int o = 0; o < spec.filters; ++o) {
        if (!sized((*w)[o], C))
          return bad(path + ".weights[" + std::to_string(o) + "] must hold " + std::to_string(C) + " input channels");
        for (int c = 0; c < C; ++c) {
          if (!sized((*w)[o][c], k)) return bad(path + ".weights must be an array shaped " + shape);
          for (int ky = 0; ky < k; ++ky) {
            if (!sized((*w)[o][c][ky], k)) return bad(path + ".weights must be an array shaped " + shape);
            for (int kx = 0; kx < k; ++kx) {
              const json& v = (*w)[o][c][ky][kx];
              const auto x = finiteFloat(v);
              if (!x)
                return bad(notFinite(path + ".weights[" + std::to_string(o) + "][" + std::to_string(c) + "][" +
                                         std::to_string(ky) + "][" + std::to_string(kx) + "]",
                                     v));
              f.weights((ky * k + kx) * C + c, o) = *x;
            }
          }
        }
      }
      if (const json* bias = find(layer, "bias"); bias && !bias->is_null()) {
        if (!sized(*bias, spec.filters))
          return bad(path + ".bias must be an array of " + std::to_string(spec.filters) + " numbers or null");
        f.bias.resize(spec.filters);
        for (int o = 0; o < spec.filters; ++o) {
          const auto x = finiteFloat((*bias)[o]);
          if (!x) return bad(notFinite(path + ".bias[" + std::to_string(o) + "]", (*bias)[o]));
          f.bias(o) = *x;
        }
      }
    }
    model.network.front.push_back(std::move(f));
    return Ok{};
  }

  Status readLayers(const json& doc, Model& model) const {
    const json* layers = find(doc, "layers");
    if (!layers) return bad("\"layers\" is missing");
    if (!layers->is_array()) return bad(std::string("\"layers\" must be an array, got ") + kindOf(*layers));
    if (layers->empty()) return bad("\"layers\" is empty; a model needs at least one layer");

    // The conv and pool layers first (version 2), read whole: they are small.
    size_t first = 0;
    long long total = 0;
    Shape3 map{model.inputRows, model.inputCols, 1};
    for (; first < layers->size(); ++first) {
      const json& layer = (*layers)[first];
      const json* type = layer.is_object() ? find(layer, "type") : nullptr;
      if (!type || (type->is_string() && type->get<std::string>() == "dense")) break;
      const std::string path = "layers[" + std::to_string(first) + "]";
      if (version_ < 2) return bad(path + " has a \"type\", which version 1 files do not");
      if (Status s = readFrontLayer(layer, path, map, total, model); !s) return s;
      map = model.network.front.back().out;
    }
    if (first == layers->size()) return bad("\"layers\" has no dense layer; a model ends with one");

    // First every dense layer's shape, so that nothing is allocated before all sizes are known.
    std::vector<LayerHeader> headers;
    for (size_t k = first; k < layers->size(); ++k) {
      const json& layer = (*layers)[k];
      const std::string path = "layers[" + std::to_string(k) + "]";
      if (!layer.is_object()) return bad(path + " must be an object, got " + kindOf(layer));
      if (const json* type = find(layer, "type"); type && !(version_ >= 2 && *type == "dense"))
        return bad(path + ".type is " + shortText(*type) +
                   (version_ >= 2 ? ": conv and pool layers come before the dense ones"
                                  : ", which version 1 files do not have"));
      if (auto key = unknownKey(layer, {"type", "inputs", "outputs", "activation", "weights", "bias"}))
        return bad(path + " has an unknown field \"" + *key + "\" (known: inputs, outputs, activation, weights, bias)");
      LayerHeader h;
      auto inputs = count(layer, "inputs", path, kMaxLayerWeights);
      if (!inputs) return fail(inputs.error());
      auto outputs = count(layer, "outputs", path, kMaxLayerWeights);
      if (!outputs) return fail(outputs.error());
      h.inputs = *inputs;
      h.outputs = *outputs;
      const long long weights = h.inputs * h.outputs;  // each ≤ 2^24: no overflow
      if (weights > kMaxLayerWeights)
        return bad(path + " has " + std::to_string(h.inputs) + "×" + std::to_string(h.outputs) + " = " +
                   std::to_string(weights) + " weights, more than the limit of " + std::to_string(kMaxLayerWeights) +
                   " per layer");
      total += weights;
      if (total > kMaxModelWeights)
        return bad("the layers up to " + path + " have " + std::to_string(total) + " weights, more than the limit of " +
                   std::to_string(kMaxModelWeights) + " in all");
      const json* activation = find(layer, "activation");
      if (!activation) return bad(path + " is missing \"activation\"");
      const auto parsed =
          activation->is_string() ? parseActivation(activation->get_ref<const std::string&>()) : std::nullopt;
      if (!parsed)
        return bad(path + ".activation " + shortText(*activation) + " is not one of " + allowedActivations());
      h.activation = *parsed;
      if (!find(layer, "weights")) return bad(path + " is missing \"weights\"");
      if (k > first && h.inputs != headers.back().outputs)
        return bad(path + ".inputs is " + std::to_string(h.inputs) + " but layers[" + std::to_string(k - 1) +
                   "].outputs is " + std::to_string(headers.back().outputs) + " (shapes must chain)");
      headers.push_back(h);
    }

    const long long pixels = static_cast<long long>(model.inputRows) * model.inputCols;
    const std::string dense0 = "layers[" + std::to_string(first) + "]";
    if (first > 0 && map.size() != headers.front().inputs)
      return bad("the conv and pool layers give a " + shapeText(map) + " map = " + std::to_string(map.size()) +
                 " values but " + dense0 + ".inputs is " + std::to_string(headers.front().inputs));
    if (first == 0 && pixels != headers.front().inputs)
      return bad("input is " + std::to_string(model.inputRows) + "×" + std::to_string(model.inputCols) + " = " +
                 std::to_string(pixels) + " pixels but layers[0].inputs is " + std::to_string(headers.front().inputs));
    std::vector<Activation> activations;
    for (const LayerHeader& h : headers) activations.push_back(h.activation);
    if (const auto broken = checkActivationRules(activations, model.network.loss)) {
      const std::string where = "layers[" + std::to_string(first + broken->layer) + "].activation";
      const char* is = name(activations[broken->layer]);
      if (broken->kind == ActivationRuleBreak::OutputOnlyBeforeOutput)
        return bad(where + " is " + is + ", which is only allowed on the last layer");
      return bad(std::string("\"loss\" is ") + name(model.network.loss) + ", which needs a " +
                 name(*requiredOutput(model.network.loss)) + " output, but " + where + " is " + is);
    }

    // Then the numbers.
    for (size_t k = first; k < layers->size(); ++k) {
      const json& in = (*layers)[k];
      const LayerHeader& h = headers[k - first];
      const std::string path = "layers[" + std::to_string(k) + "]";
      Layer layer;
      layer.activation = h.activation;

      const json& weights = *find(in, "weights");
      if (!weights.is_array())
        return bad(path + ".weights must be an array of " + std::to_string(h.inputs) + " rows, got " + kindOf(weights));
      if (static_cast<long long>(weights.size()) != h.inputs)
        return bad(path + ".weights has " + std::to_string(weights.size()) + " rows, expected " +
                   std::to_string(h.inputs) + " (one per input)");
      layer.weights.resize(h.inputs, h.outputs);
      for (long long i = 0; i < h.inputs; ++i) {
        const json& row = weights[static_cast<size_t>(i)];
        const std::string rowPath = path + ".weights[" + std::to_string(i) + "]";
        if (!row.is_array())
          return bad(rowPath + " must be an array of " + std::to_string(h.outputs) + " numbers, got " + kindOf(row));
        if (static_cast<long long>(row.size()) != h.outputs)
          return bad(rowPath + " has " + std::to_string(row.size()) + " numbers, expected " +
                     std::to_string(h.outputs));
        for (long long j = 0; j < h.outputs; ++j) {
          const json& v = row[static_cast<size_t>(j)];
          const auto f = finiteFloat(v);
          if (!f) return bad(notFinite(rowPath + "[" + std::to_string(j) + "]", v));
          layer.weights(i, j) = *f;
        }
      }

      if (const json* bias = find(in, "bias"); bias && !bias->is_null()) {
        if (!bias->is_array())
          return bad(path + ".bias must be an array of " + std::to_string(h.outputs) + " numbers or null, got " +
                     kindOf(*bias));
        if (static_cast<long long>(bias->size()) != h.outputs)
          return bad(path + ".bias has " + std::to_string(bias->size()) + " numbers, expected " +
                     std::to_string(h.outputs) + " (one per output)");
        layer.bias.resize(h.outputs);
        for (long long j = 0; j < h.outputs; ++j) {
          const json& v = (*bias)[static_cast<size_t>(j)];
          const auto f = finiteFloat(v);
          if (!f) return bad(notFinite(path + ".bias[" + std::to_string(j) + "]", v));
          layer.bias(j) = *f;
        }
      }
      model.network.layers.push_back(std::move(layer));
    }
    return Ok{};
  }

  std::string file_;
  int version_ = 1;
};

}  // namespace

std::string modelToJson(const Model& model) {
  const Network& net = model.network;
  std::string out;
  out.reserve(64 + net.parameterCount() * 14);
  out += "{\n";
  out += "  \"format\": \"digitrain-model\",\n";
  out += "  \"version\": " + std::string(net.front.empty() ? "1" : "2") + ",\n";
  out += "  \"loss\": " + jsonText(name(net.loss)) + ",\n";
  out += "  \"input\": {\"rows\": " + std::to_string(model.inputRows) +
         ", \"cols\": " + std::to_string(model.inputCols) + ", \"scale\": \"pixel/255\"},\n";

  out += "  \"layers\": [";
  for (size_t k = 0; k < net.front.size(); ++k) {
    const FrontLayer& f = net.front[k];
    out += k ? ",\n    {" : "\n    {";
    out += "\"type\": " + std::string(f.isConv() ? "\"conv\"" : "\"pool\"") +
           ", \"kernel\": " + std::to_string(f.spec.kernel);
    if (!f.isConv()) {
      out += ", \"stride\": " + std::to_string(f.spec.stride) + "}";
      continue;
    }
    out += ", \"filters\": " + std::to_string(f.spec.filters) + ", \"stride\": " + std::to_string(f.spec.stride) +
           ", \"padding\": " + (f.spec.same ? "\"same\"" : "\"valid\"") +
           ", \"activation\": " + jsonText(name(f.activation)) + ",\n      \"weights\": [";
    // (out, in, ky, kx), as the .npz export and PyTorch hold a kernel; one kernel row per line.
    const int kk = f.spec.kernel, C = f.in.c;
    for (int o = 0; o < f.spec.filters; ++o) {
      out += o ? ",\n        [" : "\n        [";
      for (int c = 0; c < C; ++c) {
        out += c ? ", [" : "[";
        for (int ky = 0; ky < kk; ++ky) {
          Vector row(kk);
          for (int kx = 0; kx < kk; ++kx) row(kx) = f.weights((ky * kk + kx) * C + c, o);
          out += ky ? ", " : "";
          appendNumbers(out, row);
        }
        out += "]";
      }
      out += "]";
    }
    out += "\n      ],\n      \"bias\": ";
    if (f.hasBias()) appendNumbers(out, f.bias);
    else out += "null";
    out += "}";
  }
  for (size_t k = 0; k < net.layers.size(); ++k) {
    const Layer& layer = net.layers[k];
    out += k || !net.front.empty() ? ",\n    {\n" : "\n    {\n";
    out += "      \"inputs\": " + std::to_string(layer.inputs()) + ",\n";
    out += "      \"outputs\": " + std::to_string(layer.outputs()) + ",\n";
    out += "      \"activation\": " + jsonText(name(layer.activation)) + ",\n";
    out += "      \"weights\": [";
    for (Eigen::Index i = 0; i < layer.weights.rows(); ++i) {
      out += i ? ",\n        " : "\n        ";
      appendNumbers(out, layer.weights.row(i));
    }
    out += layer.weights.rows() ? "\n      ],\n" : "],\n";
    out += "      \"bias\": ";
    if (layer.hasBias()) appendNumbers(out, layer.bias);
    else out += "null";
    out += "\n    }";
  }
  out += net.layers.empty() ? "]" : "\n  ]";

  if (model.config) {
    // One setting per line, in configKeys() order rather than nlohmann's alphabetical one.
    const json config = configToJson(*model.config);
    out += ",\n  \"config\": {";
    bool first = true;
    for (const auto& key : configKeys()) {
      const auto it = config.find(key);
      if (it == config.end()) continue;
      out += first ? "\n    " : ",\n    ";
      first = false;
      out += jsonText(key) + ": " + jsonText(*it);
    }
    out += first ? "}" : "\n  }";
  }

  out += ",\n  \"history\": [";
  for (size_t e = 0; e < model.history.size(); ++e) {
    out += e ? ",\n    " : "\n    ";
    // In the documented order, not nlohmann's alphabetical one.
    const json metrics = metricsToJson(model.history[e]);
    out += '{';
    bool first = true;
    for (const char* key : {"epoch", "train_loss", "train_error", "validation_loss", "validation_error", "test_loss",
                            "test_error", "learning_rate", "seconds", "samples_per_second"}) {
      const auto it = metrics.find(key);
      if (it == metrics.end()) continue;
      out += first ? "" : ", ";
      first = false;
      out += jsonText(key) + ": " + jsonText(*it);
    }
    out += '}';
  }
  out += model.history.empty() ? "]" : "\n  ]";
  out += "\n}\n";
  return out;
}

Expected<Model> modelFromJson(std::string_view text, const std::string& fileName) {
  try {
    return ModelReader(fileName).read(text);
  } catch (const std::exception& e) {
    return fail(fileName + ": could not read the model: " + e.what());
  } catch (...) {
    return fail(fileName + ": could not read the model");
  }
}

Expected<NetworkT<double>> networkInDoublePrecision(std::string_view text, const std::string& fileName) {
  auto model = modelFromJson(text, fileName);
  if (!model) return fail(model.error());
  const Network& checked = model->network;
  try {
    const json doc = json::parse(text);
    const json& layers = doc.at("layers");
    NetworkT<double> net;
    net.loss = checked.loss;
    const size_t first = checked.front.size();
    for (size_t k = 0; k < first; ++k) {
      FrontLayerT<double> f = checked.front[k].cast<double>();
      if (f.isConv()) {
        const json& w = layers.at(k).at("weights");
        const int kk = f.spec.kernel, C = f.in.c;
        for (int o = 0; o < f.spec.filters; ++o)
          for (int c = 0; c < C; ++c)
            for (int ky = 0; ky < kk; ++ky)
              for (int kx = 0; kx < kk; ++kx)
                f.weights((ky * kk + kx) * C + c, o) = w.at(o).at(c).at(ky).at(kx).get<double>();
        if (f.hasBias())
          for (int o = 0; o < f.spec.filters; ++o) f.bias(o) = layers.at(k).at("bias").at(o).get<double>();
      }
      net.front.push_back(std::move(f));
    }
    for (size_t k = 0; k < checked.layers.size(); ++k) {
      const Layer& shape = checked.layers[k];
      const json& in = layers.at(first + k);
      LayerT<double> layer;
      layer.activation = shape.activation;
      layer.weights.resize(shape.inputs(), shape.outputs());
      const json& w = in.at("weights");
      for (int i = 0; i < shape.inputs(); ++i)
        for (int j = 0; j < shape.outputs(); ++j) layer.weights(i, j) = w.at(i).at(j).get<double>();
      if (shape.hasBias()) {
        const json& b = in.at("bias");
        layer.bias.resize(shape.outputs());
        for (int j = 0; j < shape.outputs(); ++j) layer.bias(j) = b.at(j).get<double>();
      }
      net.layers.push_back(std::move(layer));
    }
    return net;
  } catch (const std::exception& e) {
    return fail(fileName + ": could not read the weights in double precision: " + e.what());
  }
}

}  // namespace digitrain
