// Tests for model_io.h: the model file round-trips bit for bit, reads as documented, and
// each malformed file is refused with the file name and the field path in the message.
#include "model_io.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "config_json.h"
#include "random.h"

namespace digitrain {
namespace {

using nlohmann::json;

uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// 4 inputs (a 2×2 "image") → 3 sigmoid units with a bias → 2 softmax outputs, no bias.
// The weights include the floats that are hardest to print: 0.1, the extremes, a
// subnormal, negative zero.
Model smallModel() {
  Model model;
  model.inputRows = 2;
  model.inputCols = 2;
  model.network.loss = Loss::CrossEntropy;

  Layer hidden;
  hidden.activation = Activation::Sigmoid;
  hidden.weights.resize(4, 3);
  hidden.weights << 0.1f, -0.2f, 0.3f, FLT_MAX, -FLT_MAX, FLT_MIN, std::numeric_limits<float>::denorm_min(), -0.0f,
      0.0f, 1.0f / 3.0f, 16777217.0f, -1e-30f;
  hidden.bias.resize(3);
  hidden.bias << 0.5f, -1.25f, 3.14159274f;

  Layer output;
  output.activation = Activation::Softmax;
  output.weights.resize(3, 2);
  Rng rng(7);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) output.weights(i, j) = static_cast<float>(rng.normal());

  model.network.layers = {hidden, output};

  TrainConfig config;
  config.preset = "tp";
  config.learningRate = 0.1 + 0.2;
  config.epochs = 2;
  config.seed = 12345678901234567890ull;
  model.config = config;

  EpochMetrics e1;
  e1.epoch = 1;
  e1.trainLoss = 2.302585092994046;
  e1.trainError = 0.9;
  e1.testLoss = 1.5;
  e1.testError = 0.45;
  e1.learningRate = 0.30000000000000004;
  e1.seconds = 0.123456789;
  e1.samplesPerSecond = 486001.25;
  EpochMetrics e2 = e1;
  e2.epoch = 2;
  e2.validationLoss = 1.1;
  e2.validationError = 0.25;
  model.history = {e1, e2};
  return model;
}

void expectSameLayers(const Network& a, const Network& b) {
  EXPECT_EQ(a.loss, b.loss);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t k = 0; k < a.layers.size(); ++k) {
    const Layer& x = a.layers[k];
    const Layer& y = b.layers[k];
    EXPECT_EQ(x.activation, y.activation) << "layer " << k;
    ASSERT_EQ(x.weights.rows(), y.weights.rows()) << "layer " << k;
    ASSERT_EQ(x.weights.cols(), y.weights.cols()) << "layer " << k;
    for (Eigen::Index i = 0; i < x.weights.rows(); ++i)
      for (Eigen::Index j = 0; j < x.weights.cols(); ++j)
        EXPECT_EQ(bitsOf(x.weights(i, j)), bitsOf(y.weights(i, j)))
            << "layer " << k << " weight (" << i << ", " << j << "): " << x.weights(i, j) << " vs " << y.weights(i, j);
    ASSERT_EQ(x.bias.size(), y.bias.size()) << "layer " << k;
    for (Eigen::Index j = 0; j < x.bias.size(); ++j)
      EXPECT_EQ(bitsOf(x.bias(j)), bitsOf(y.bias(j))) << "layer " << k << " bias " << j;
  }
}

// The small model's file with one change made to its JSON.
std::string edited(const std::function<void(json&)>& edit) {
  json doc = json::parse(modelToJson(smallModel()));
  edit(doc);
  return doc.dump();
}

// The message for a file that must be refused; fails the test when it is accepted.
std::string refusal(const std::string& text) {
  auto r = modelFromJson(text, "model.json");
  EXPECT_FALSE(r.ok()) << "accepted:\n" << text.substr(0, 400);
  if (r.ok()) return "";
  EXPECT_EQ(r.error().rfind("model.json: ", 0), 0u) << r.error();
  return r.error();
}

#define EXPECT_MENTIONS(message, part) EXPECT_NE((message).find(part), std::string::npos) << "message: " << (message)

TEST(ModelIo, RoundTripIsBitIdentical) {
  const Model original = smallModel();
  auto back = modelFromJson(modelToJson(original), "model.json");
  ASSERT_TRUE(back.ok()) << back.error();
  expectSameLayers(original.network, back->network);
  EXPECT_EQ(back->inputRows, 2);
  EXPECT_EQ(back->inputCols, 2);

  ASSERT_TRUE(back->config.has_value());
  EXPECT_EQ(configToJson(*back->config), configToJson(*original.config));
  EXPECT_EQ(back->config->learningRate, 0.1 + 0.2);
  EXPECT_EQ(back->config->seed, 12345678901234567890ull);

  ASSERT_EQ(back->history.size(), 2u);
  for (size_t e = 0; e < 2; ++e) EXPECT_EQ(metricsToJson(back->history[e]), metricsToJson(original.history[e])) << e;
  EXPECT_EQ(back->history[0].seconds, 0.123456789);
  EXPECT_FALSE(back->history[0].validationLoss.has_value());
  EXPECT_EQ(back->history[1].validationError, 0.25);
}

TEST(ModelIo, RoundTripsRandomFloatBitPatterns) {
  // Every exponent, subnormals included: any finite float must come back as itself.
  Model model;
  model.inputRows = 1;
  model.inputCols = 8;
  model.network.loss = Loss::Mse;
  Layer layer;
  layer.activation = Activation::Identity;
  layer.weights.resize(8, 1000);
  layer.bias.resize(1000);
  Rng rng(2024);
  auto randomFloat = [&] {
    for (;;) {
      const auto bits = static_cast<uint32_t>(rng.next() >> 32);
      float f;
      std::memcpy(&f, &bits, sizeof f);
      if (std::isfinite(f)) return f;
    }
  };
  for (Eigen::Index i = 0; i < layer.weights.size(); ++i) layer.weights.data()[i] = randomFloat();
  for (Eigen::Index j = 0; j < layer.bias.size(); ++j) layer.bias(j) = randomFloat();
  model.network.layers = {layer};

  auto back = modelFromJson(modelToJson(model), "random.json");
  ASSERT_TRUE(back.ok()) << back.error();
  expectSameLayers(model.network, back->network);
  EXPECT_FALSE(back->config.has_value());
  EXPECT_TRUE(back->history.empty());
}

TEST(ModelIo, WritesTheDocumentedLayout) {
  const Model model = smallModel();
  const std::string text = modelToJson(model);
  const json doc = json::parse(text);
  EXPECT_EQ(doc["format"], "digitrain-model");
  EXPECT_EQ(doc["version"], 1);
  EXPECT_EQ(doc["loss"], "cross-entropy");
  EXPECT_EQ(doc["input"], json::parse(R"({"rows": 2, "cols": 2, "scale": "pixel/255"})"));
  ASSERT_EQ(doc["layers"].size(), 2u);
  const json& l0 = doc["layers"][0];
  EXPECT_EQ(l0["inputs"], 4);
  EXPECT_EQ(l0["outputs"], 3);
  EXPECT_EQ(l0["activation"], "sigmoid");
  // weights[i][j]: from input unit i to output unit j. The file holds the shortest decimal
  // that rounds to the weight as a float32, so compare as float32.
  ASSERT_EQ(l0["weights"].size(), 4u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(l0["weights"][i].size(), 3u);
    for (int j = 0; j < 3; ++j)
      EXPECT_EQ(bitsOf(static_cast<float>(l0["weights"][i][j].get<double>())),
                bitsOf(model.network.layers[0].weights(i, j)))
          << i << ", " << j;
  }
  EXPECT_EQ(l0["bias"].size(), 3u);
  EXPECT_TRUE(doc["layers"][1]["bias"].is_null());
  EXPECT_EQ(doc["layers"][1]["activation"], "softmax");
  EXPECT_EQ(doc["config"], configToJson(*model.config));
  EXPECT_EQ(doc["history"].size(), 2u);
  EXPECT_EQ(doc["history"][0], metricsToJson(model.history[0]));
}

TEST(ModelIo, IsReadableOneWeightRowPerLine) {
  const std::string text = modelToJson(smallModel());
  // The shortest text that reads back exactly: 0.1, not 0.10000000149011612.
  EXPECT_MENTIONS(text, "[0.1, -0.2, 0.3]");
  EXPECT_MENTIONS(text, "\"bias\": [0.5, -1.25, 3.1415927]");
  EXPECT_MENTIONS(text, "-0.0");  // negative zero keeps its sign
  size_t rowLines = 0;
  for (size_t at = text.find("\n        ["); at != std::string::npos; at = text.find("\n        [", at + 1)) ++rowLines;
  EXPECT_EQ(rowLines, 4u + 3u);
  EXPECT_MENTIONS(text, "\n    \"learning_rate\": 0.30000000000000004,\n");
}

TEST(ModelIo, ModelWithoutConfigOmitsIt) {
  Model model = smallModel();
  model.config.reset();
  model.history.clear();
  const json doc = json::parse(modelToJson(model));
  EXPECT_FALSE(doc.contains("config"));
  EXPECT_EQ(doc["history"], json::array());
  auto back = modelFromJson(doc.dump(), "model.json");
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_FALSE(back->config.has_value());
}

TEST(ModelIo, AcceptsAMissingBiasAsNone) {
  auto back = modelFromJson(edited([](json& d) { d["layers"][0].erase("bias"); }), "model.json");
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_FALSE(back->network.layers[0].hasBias());
}

TEST(ModelIo, RefusesInvalidJsonWithThePosition) {
  std::string text = modelToJson(smallModel());
  text.resize(text.size() / 2);
  const std::string message = refusal(text);
  EXPECT_MENTIONS(message, "model.json: not valid JSON");
  EXPECT_MENTIONS(message, "line ");
  EXPECT_MENTIONS(message, "column ");
}

TEST(ModelIo, RefusesANonObject) { EXPECT_MENTIONS(refusal("[1, 2, 3]"), "model.json: not a digitrain model file"); }

TEST(ModelIo, RefusesAMissingFormat) {
  const std::string message = refusal(edited([](json& d) { d.erase("format"); }));
  EXPECT_MENTIONS(message, "not a digitrain model file");
  EXPECT_MENTIONS(message, "\"format\" is missing");
}

TEST(ModelIo, RefusesAWrongFormat) {
  const std::string message = refusal(edited([](json& d) { d["format"] = "keras"; }));
  EXPECT_MENTIONS(message, "not a digitrain model file (\"format\" is \"keras\"");
}

TEST(ModelIo, RefusesANewerVersion) {
  EXPECT_EQ(refusal(edited([](json& d) { d["version"] = 99; })),
            "model.json: \"version\" is 99 but this digitrain reads version 2 — the file was "
            "written by a newer digitrain");
}

TEST(ModelIo, RefusesAMissingOrNonNumericVersion) {
  EXPECT_MENTIONS(refusal(edited([](json& d) { d.erase("version"); })), "model.json: \"version\" is missing");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["version"] = "1"; })),
                  "model.json: \"version\" must be a whole number, got \"1\"");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["version"] = 0; })), "\"version\" is 0");
}

TEST(ModelIo, RefusesAnUnknownTopLevelField) {
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["optimiser_state"] = 1; })),
                  "model.json: unknown field \"optimiser_state\"");
}

TEST(ModelIo, RefusesAnUnknownLoss) {
  EXPECT_EQ(refusal(edited([](json& d) { d["loss"] = "hinge"; })),
            "model.json: \"loss\" \"hinge\" is not one of cross-entropy, mse, squared-error, total-squared-error");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d.erase("loss"); })), "\"loss\" is missing");
}

TEST(ModelIo, RefusesAMissingOrMalformedInput) {
  EXPECT_MENTIONS(refusal(edited([](json& d) { d.erase("input"); })), "model.json: \"input\" is missing");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["input"].erase("cols"); })), "model.json: input is missing \"cols\"");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["input"]["rows"] = -2; })),
                  "model.json: input.rows is -2, expected 1 to");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["input"]["scale"] = "pixel"; })),
                  "model.json: input.scale is \"pixel\", expected \"pixel/255\"");
}

TEST(ModelIo, RefusesAnInputThatDoesNotFeedTheFirstLayer) {
  EXPECT_EQ(refusal(edited([](json& d) {
              d["input"]["rows"] = 28;
              d["input"]["cols"] = 28;
            })),
            "model.json: input is 28×28 = 784 pixels but layers[0].inputs is 4");
}

TEST(ModelIo, RefusesMissingOrEmptyLayers) {
  EXPECT_MENTIONS(refusal(edited([](json& d) { d.erase("layers"); })), "model.json: \"layers\" is missing");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"] = json::array(); })), "model.json: \"layers\" is empty");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"] = json::object(); })),
                  "model.json: \"layers\" must be an array, got an object");
}

TEST(ModelIo, RefusesALayerMissingAField) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][1].erase("weights"); })),
            "model.json: layers[1] is missing \"weights\"");
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][0].erase("outputs"); })),
            "model.json: layers[0] is missing \"outputs\"");
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][1].erase("activation"); })),
            "model.json: layers[1] is missing \"activation\"");
}

TEST(ModelIo, RefusesAMisspeltLayerField) {
  // "biases" must not silently mean "no bias".
  EXPECT_MENTIONS(refusal(edited([](json& d) {
                    d["layers"][0]["biases"] = d["layers"][0]["bias"];
                    d["layers"][0].erase("bias");
                  })),
                  "model.json: layers[0] has an unknown field \"biases\"");
}

TEST(ModelIo, RefusesAnUnknownActivation) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][1]["activation"] = "swish"; })),
            "model.json: layers[1].activation \"swish\" is not one of " + allowedActivations());
}

TEST(ModelIo, RefusesShapesThatDoNotChain) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][1]["inputs"] = 100; })),
            "model.json: layers[1].inputs is 100 but layers[0].outputs is 3 (shapes must chain)");
}

TEST(ModelIo, RefusesANonPositiveOrFractionalSize) {
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][0]["outputs"] = 0; })),
                  "model.json: layers[0].outputs is 0, expected 1 to");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][0]["outputs"] = 2.5; })),
                  "model.json: layers[0].outputs must be a whole number, got 2.5");
}

TEST(ModelIo, RefusesAWeightRowOfTheWrongLength) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][1]["weights"][2].push_back(1.0); })),
            "model.json: layers[1].weights[2] has 3 numbers, expected 2");
}

TEST(ModelIo, RefusesTheWrongNumberOfWeightRows) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][0]["weights"].erase(3); })),
            "model.json: layers[0].weights has 3 rows, expected 4 (one per input)");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][0]["weights"] = 1; })),
                  "model.json: layers[0].weights must be an array of 4 rows");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][0]["weights"][1] = "x"; })),
                  "model.json: layers[0].weights[1] must be an array of 3 numbers");
}

TEST(ModelIo, RefusesANonFiniteWeight) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][0]["weights"][2][1] = nullptr; })),
            "model.json: layers[0].weights[2][1] is not a finite number (got null)");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][0]["weights"][2][1] = "0.5"; })),
                  "model.json: layers[0].weights[2][1] is not a finite number");
  // Finite as a double, infinite as the float the network stores.
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][1]["weights"][0][1] = 1e300; })),
                  "model.json: layers[1].weights[0][1] is not a finite number");
}

TEST(ModelIo, RefusesAWeightThatDivergedWhenSaved) {
  // A run that blew up: the writer cannot put NaN in JSON, the reader names the weight.
  Model model = smallModel();
  model.network.layers[1].weights(2, 0) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_MENTIONS(refusal(modelToJson(model)), "layers[1].weights[2][0] is not a finite number");
}

TEST(ModelIo, RefusesABiasOfTheWrongLength) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][0]["bias"].erase(0); })),
            "model.json: layers[0].bias has 2 numbers, expected 3 (one per output)");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["layers"][0]["bias"] = 0.5; })),
                  "model.json: layers[0].bias must be an array of 3 numbers or null");
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][0]["bias"][2] = true; })),
            "model.json: layers[0].bias[2] is not a finite number (got true)");
}

TEST(ModelIo, RefusesSoftmaxBeforeTheLastLayer) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][0]["activation"] = "softmax"; })),
            "model.json: layers[0].activation is softmax, which is only allowed on the last "
            "layer");
}

TEST(ModelIo, RefusesCrossEntropyWithoutASoftmaxOutput) {
  EXPECT_EQ(refusal(edited([](json& d) { d["layers"][1]["activation"] = "sigmoid"; })),
            "model.json: \"loss\" is cross-entropy, which needs a softmax output, but "
            "layers[1].activation is sigmoid");
  // With mse the same network is fine.
  auto ok = modelFromJson(edited([](json& d) {
                            d["layers"][1]["activation"] = "sigmoid";
                            d["loss"] = "mse";
                          }),
                          "model.json");
  EXPECT_TRUE(ok.ok()) << ok.error();
}

TEST(ModelIo, RefusesALayerOverTheSizeLimitBeforeAllocating) {
  // The weights are absent: the size alone must be enough to refuse.
  const std::string message = refusal(edited([](json& d) {
    d["input"]["rows"] = 64;
    d["input"]["cols"] = 128;
    d["layers"] =
        json::array({json{{"inputs", 8192}, {"outputs", 4096}, {"activation", "softmax"}, {"weights", json::array()}}});
  }));
  EXPECT_MENTIONS(message, "model.json: layers[0] has 8192×4096 = 33554432 weights");
  EXPECT_MENTIONS(message, std::to_string(kMaxLayerWeights));
}

TEST(ModelIo, RefusesAModelOverTheTotalSizeLimitBeforeAllocating) {
  const std::string message = refusal(edited([](json& d) {
    d["input"]["rows"] = 64;
    d["input"]["cols"] = 64;
    d["layers"] = json::array();
    for (int k = 0; k < 5; ++k)
      d["layers"].push_back(json{{"inputs", 4096},
                                 {"outputs", 4096},
                                 {"activation", k == 4 ? "softmax" : "relu"},
                                 {"weights", json::array()}});
  }));
  EXPECT_MENTIONS(message, "model.json: the layers up to layers[4] have 83886080 weights");
  EXPECT_MENTIONS(message, std::to_string(kMaxModelWeights));
}

TEST(ModelIo, RefusesABadConfigNamingIt) {
  const std::string message = refusal(edited([](json& d) { d["config"]["epochs"] = "abc"; }));
  EXPECT_MENTIONS(message, "model.json: \"config\": setting \"epochs\" (Epochs) must be a whole number");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["config"]["colour"] = "red"; })),
                  "model.json: \"config\": unknown setting \"colour\"");
}

TEST(ModelIo, RefusesABadHistoryEntryNamingIt) {
  EXPECT_EQ(refusal(edited([](json& d) { d["history"][1]["epoch"] = "two"; })),
            "model.json: history[1]: \"epoch\" must be a whole number, got \"two\"");
  EXPECT_MENTIONS(refusal(edited([](json& d) { d["history"] = 3; })), "model.json: \"history\" must be an array");
}

TEST(ModelIo, NeverThrowsOnTruncatedOrCorruptFiles) {
  const std::string text = modelToJson(smallModel());
  for (size_t cut = 0; cut < text.size(); cut += 7) {
    EXPECT_NO_THROW({ EXPECT_FALSE(modelFromJson(text.substr(0, cut), "m.json").ok()); });
  }
  Rng rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::string corrupt = text;
    for (int n = 0; n < 3; ++n) corrupt[rng.below(corrupt.size())] = static_cast<char>(rng.below(256));
    EXPECT_NO_THROW(modelFromJson(corrupt, "m.json"));
  }
  EXPECT_NO_THROW(modelFromJson(R"({"format":"digitrain-model","version":1e999})", "m.json"));
}

}  // namespace
}  // namespace digitrain
