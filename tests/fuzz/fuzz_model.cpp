// libFuzzer target: the model file reader (modelFromJson) and the settings reader
// (applyConfigJsonText) on arbitrary text.
// Properties: never crashes, leaks or hits UB (nothing may throw out of either: they
// report errors as values); errors name the file; an accepted model is a valid network and
// round-trips: modelToJson → modelFromJson gives back bit-identical weights, the same
// shapes, settings and history, and writing it again gives the same text. Accepted settings
// round-trip through configToJson the same way.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "config_json.h"
#include "fuzz_common.h"
#include "model_io.h"
#include "presets.h"

using namespace digitrain;

namespace {

std::string dumpOf(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string configText(const std::optional<TrainConfig>& c) { return c ? dumpOf(configToJson(*c)) : "none"; }

std::string historyText(const std::vector<EpochMetrics>& history) {
  std::string out;
  for (const auto& m : history) out += dumpOf(metricsToJson(m)) + "\n";
  return out;
}

// Same shape and the same float bits (NaN-safe, and -0 differs from 0).
template <class A>
bool sameBits(const A& a, const A& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(Scalar) * static_cast<size_t>(a.size())) == 0);
}

void checkModel(std::string_view text) {
  auto model = modelFromJson(text, "fuzz.json");
  if (!model) {
    FUZZ_CHECK(fuzz::startsWith(model.error(), "fuzz.json: "), model.error());
    return;
  }
  const Model& m = model.value();
  const Status valid = validate(m.network);
  FUZZ_CHECK(valid, "accepted a model that validate(Network) refuses: " + (valid ? std::string() : valid.error()));
  FUZZ_CHECK(static_cast<long long>(m.inputRows) * m.inputCols == m.network.inputs(), "input shape");
  FUZZ_CHECK(static_cast<long long>(m.network.parameterCount()) <= kMaxModelWeights + kMaxModelWeights,
             "parameter count over the limit");

  const std::string first = modelToJson(m);
  auto again = modelFromJson(first, "again.json");
  FUZZ_CHECK(again, "modelToJson wrote a file modelFromJson refuses: " + (again ? std::string() : again.error()) +
                        "\n--- file ---\n" + first);
  const Model& m2 = again.value();
  FUZZ_CHECK(m2.network.loss == m.network.loss, "loss");
  FUZZ_CHECK(m2.inputRows == m.inputRows && m2.inputCols == m.inputCols, "input");
  FUZZ_CHECK(m2.network.layers.size() == m.network.layers.size(), "layer count");
  for (size_t k = 0; k < m.network.layers.size(); ++k) {
    const Layer& a = m.network.layers[k];
    const Layer& b = m2.network.layers[k];
    FUZZ_CHECK(a.activation == b.activation, "activation of layer " + std::to_string(k));
    FUZZ_CHECK(sameBits(a.weights, b.weights), "weights of layer " + std::to_string(k) + " changed");
    FUZZ_CHECK(sameBits(a.bias, b.bias), "bias of layer " + std::to_string(k) + " changed");
  }
  FUZZ_CHECK(configText(m.config) == configText(m2.config), "config changed");
  FUZZ_CHECK(historyText(m.history) == historyText(m2.history), "history changed");
  FUZZ_CHECK(modelToJson(m2) == first, "writing the model twice gives different text");
}

void checkConfig(std::string_view text, const TrainConfig& base) {
  auto config = applyConfigJsonText(base, text);
  if (!config) {
    FUZZ_CHECK(!config.error().empty(), "empty error message");
    return;
  }
  const std::string written = dumpOf(configToJson(config.value()));
  auto again = applyConfigJsonText(TrainConfig{}, written);
  FUZZ_CHECK(again, "configToJson wrote settings applyConfigJsonText refuses: " +
                        (again ? std::string() : again.error()) + "\n" + written);
  FUZZ_CHECK(dumpOf(configToJson(again.value())) == written, "settings changed in a round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkModel(text);
  checkConfig(text, TrainConfig{});
  const auto& all = presets();
  if (!all.empty()) checkConfig(text, all[size % all.size()].config);
  return 0;
}
