// Tests for config_json.h: settings ↔ JSON, patch errors, epoch metrics ↔ JSON.
// The ranges themselves are probed one by one from the settings table in settings_test.cpp.
#include "config_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>

#include "test_util.h"

namespace digitrain {
namespace {

using nlohmann::json;

using testing::everyFieldChanged;
using testing::expectSameConfig;

std::string patchError(const std::string& text) {
  auto r = applyConfigJsonText(TrainConfig{}, text);
  EXPECT_FALSE(r.ok()) << "accepted " << text;
  return r.ok() ? std::string() : r.error();
}

TEST(ConfigJson, WritesEverySettingUnderItsSnakeCaseKey) {
  const std::set<std::string> expected{"preset",
                                       "layers",
                                       "hidden",
                                       "output",
                                       "loss",
                                       "bias",
                                       "bias_init",
                                       "init",
                                       "init_scale",
                                       "reduction",
                                       "optimizer",
                                       "learning_rate",
                                       "momentum",
                                       "beta1",
                                       "beta2",
                                       "epsilon",
                                       "rho",
                                       "adadelta_epsilon",
                                       "batch_size",
                                       "epochs",
                                       "validation",
                                       "validation_limit",
                                       "limit",
                                       "test_limit",
                                       "l2",
                                       "dropout",
                                       "anneal_on_rise",
                                       "anneal_factor",
                                       "step_decay_every",
                                       "step_decay_factor",
                                       "shuffle",
                                       "augment",
                                       "augment_shift",
                                       "augment_rotation",
                                       "augment_scale",
                                       "augment_shear",
                                       "elastic_alpha",
                                       "elastic_sigma",
                                       "crop",
                                       "seed",
                                       "threads"};
  const json j = configToJson(TrainConfig{});
  std::set<std::string> keys;
  for (const auto& item : j.items()) keys.insert(item.key());
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(std::set<std::string>(configKeys().begin(), configKeys().end()), expected);
  EXPECT_EQ(configKeys().size(), expected.size());
}

TEST(ConfigJson, WritesEnumsByTheirNames) {
  const json j = configToJson(everyFieldChanged());
  EXPECT_EQ(j["hidden"], "relu");
  EXPECT_EQ(j["output"], "sigmoid");
  EXPECT_EQ(j["loss"], "mse");
  EXPECT_EQ(j["init"], "he");
  EXPECT_EQ(j["reduction"], "mean");
  EXPECT_EQ(j["optimizer"], "adam");
  EXPECT_EQ(j["layers"], json({784, "conv3x4", "pool2", 32, 16, 10}));
  EXPECT_EQ(j["bias"], true);
  EXPECT_EQ(j["seed"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
}

TEST(ConfigJson, RoundTripsEverySettingExactly) {
  const TrainConfig original = everyFieldChanged();
  auto back = applyConfigJson(TrainConfig{}, configToJson(original));
  ASSERT_TRUE(back.ok()) << back.error();
  expectSameConfig(*back, original);

  // Through text as well: the doubles must be printed with enough digits.
  auto fromText = applyConfigJsonText(TrainConfig{}, configToJson(original).dump());
  ASSERT_TRUE(fromText.ok()) << fromText.error();
  expectSameConfig(*fromText, original);
}

TEST(ConfigJson, PatchChangesOnlyTheKeysItNames) {
  const TrainConfig base = everyFieldChanged();
  auto patched = applyConfigJsonText(base, R"({"epochs": 7, "optimizer": "momentum"})");
  ASSERT_TRUE(patched.ok()) << patched.error();
  TrainConfig expected = base;
  expected.epochs = 7;
  expected.optimizer = Optimizer::Momentum;
  expectSameConfig(*patched, expected);

  auto empty = applyConfigJsonText(base, "{}");
  ASSERT_TRUE(empty.ok()) << empty.error();
  expectSameConfig(*empty, base);
}

TEST(ConfigJson, AcceptsAWholeNumberWrittenAsAFloat) {
  auto r = applyConfigJsonText(TrainConfig{}, R"({"epochs": 3.0, "batch_size": 1e2})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->epochs, 3);
  EXPECT_EQ(r->batchSize, 100);
}

TEST(ConfigJson, AcceptsAnIntegerForADouble) {
  auto r = applyConfigJsonText(TrainConfig{}, R"({"learning_rate": 1})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->learningRate, 1.0);
}

TEST(ConfigJson, RefusesAnUnknownKey) {
  EXPECT_EQ(patchError(R"({"epochs": 3, "foo": 1})"), "unknown setting \"foo\"");
  // camelCase is not the file's spelling.
  EXPECT_EQ(patchError(R"({"learningRate": 0.1})"), "unknown setting \"learningRate\"");
}

TEST(ConfigJson, RefusesAStringForAWholeNumber) {
  EXPECT_EQ(patchError(R"({"epochs": "abc"})"), "setting \"epochs\" (Epochs) must be a whole number, got \"abc\"");
}

TEST(ConfigJson, RefusesAFractionForAWholeNumber) {
  EXPECT_EQ(patchError(R"({"batch_size": 2.5})"),
            "setting \"batch_size\" (Batch size) must be a whole number, got 2.5");
}

TEST(ConfigJson, RefusesAWholeNumberBeyond32Bits) {
  EXPECT_EQ(patchError(R"({"limit": 1e12})"),
            "setting \"limit\" (Training subset) must be from 0 to 2147483647, got "
            "1000000000000");
}

TEST(ConfigJson, RefusesAStringForANumber) {
  EXPECT_EQ(patchError(R"({"learning_rate": "0.1"})"),
            "setting \"learning_rate\" (Learning rate) must be a number, got \"0.1\"");
}

TEST(ConfigJson, RefusesANumberForABool) {
  EXPECT_EQ(patchError(R"({"bias": 1})"), "setting \"bias\" (Biases) must be true or false, got 1");
}

TEST(ConfigJson, RefusesAnUnknownEnumNameListingTheAllowedOnes) {
  // The hidden layers' names: every activation but those only the output layer may have.
  std::string hidden;
  for (const std::string& n : activationNames())
    if (allowedBeforeOutput(*parseActivation(n))) hidden += (hidden.empty() ? "" : ", ") + n;
  EXPECT_NE(hidden.find("sigmoid, tanh, relu, identity"), std::string::npos);
  EXPECT_EQ(hidden.find("softmax"), std::string::npos);
  EXPECT_EQ(patchError(R"({"hidden": "swish"})"),
            "setting \"hidden\" (Hidden activation) must be one of " + hidden + ", got \"swish\"");
  EXPECT_EQ(patchError(R"({"hidden": "softmax"})"), "setting \"hidden\" (Hidden activation) must be one of " + hidden +
                                                        ", got \"softmax\" (only the output layer may have it)");
  EXPECT_EQ(patchError(R"({"optimizer": "rmsprop"})"),
            "setting \"optimizer\" (Optimiser) must be one of sgd, momentum, adam, adadelta, got \"rmsprop\"");
  EXPECT_EQ(patchError(R"({"loss": 3})"),
            "setting \"loss\" (Loss) must be one of cross-entropy, mse, squared-error, total-squared-error, got 3");
  EXPECT_NE(patchError(R"({"init": "glorot"})").find(allowedInits()), std::string::npos);
  EXPECT_NE(patchError(R"({"reduction": "avg"})").find(allowedReductions()), std::string::npos);
}

TEST(ConfigJson, RefusesLayersThatAreNotWholeNumbers) {
  EXPECT_EQ(patchError(R"({"layers": "784,10"})"),
            "setting \"layers\" (Layer sizes) must be an array of whole numbers, got \"784,10\"");
  EXPECT_EQ(patchError(R"({"layers": [784, "x", 10]})"),
            "setting \"layers\" (Layer sizes) must be an array of whole numbers, got \"x\" at position 2");
}

TEST(ConfigJson, SeedTakesTheWhole64BitRangeButNotNegatives) {
  auto r = applyConfigJsonText(TrainConfig{}, R"({"seed": 18446744073709551615})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->seed, std::numeric_limits<uint64_t>::max());
  EXPECT_NE(patchError(R"({"seed": -1})").find("setting \"seed\""), std::string::npos);
}

TEST(ConfigJson, RefusesAPatchThatIsNotAnObject) {
  EXPECT_EQ(patchError("[1, 2]"), "settings must be a JSON object, got [1,2]");
}

TEST(ConfigJson, ReportsInvalidJsonWithItsPosition) {
  const std::string message = patchError("{\"epochs\": 3,\n \"seed\": }");
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
  EXPECT_NE(message.find("line 2"), std::string::npos) << message;
  EXPECT_EQ(message.find("[json.exception"), std::string::npos) << message;
}

TEST(ConfigJson, ValidatesTheResult) {
  // Well-typed but out of range: that is validate(TrainConfig)'s call.
  EXPECT_FALSE(applyConfigJsonText(TrainConfig{}, R"({"epochs": 0})").ok());
  EXPECT_FALSE(applyConfigJsonText(TrainConfig{}, R"({"dropout": 1.5})").ok());
}

TEST(ConfigJson, NeverThrowsOnGarbage) {
  for (const char* text :
       {"", "{", "nul", "\"\\ud800\"", "{\"epochs\": 1e999}", "\xff\xfe", "{\"layers\": [[[]]]}", "{\"preset\": 5}"}) {
    EXPECT_NO_THROW({
      auto r = applyConfigJsonText(TrainConfig{}, text);
      EXPECT_FALSE(r.ok()) << text;
    });
  }
}

EpochMetrics sampleMetrics() {
  EpochMetrics m;
  m.epoch = 4;
  m.trainLoss = 0.1 + 0.2;
  m.trainError = 0.0625;
  m.validationLoss = 0.31;
  m.validationError = 0.07;
  m.learningRate = 0.001;
  m.seconds = 12.345678901234567;
  m.samplesPerSecond = 4859.5;
  return m;
}

TEST(ConfigJsonMetrics, WritesExactlyTheDocumentedKeys) {
  const json j = metricsToJson(sampleMetrics());
  std::set<std::string> keys;
  for (const auto& item : j.items()) keys.insert(item.key());
  EXPECT_EQ(keys, (std::set<std::string>{"epoch", "train_loss", "train_error", "validation_loss", "validation_error",
                                         "test_loss", "test_error", "learning_rate", "seconds", "samples_per_second"}));
  EXPECT_TRUE(j["test_loss"].is_null());
  EXPECT_TRUE(j["test_error"].is_null());
  EXPECT_EQ(j["validation_error"].get<double>(), 0.07);
  EXPECT_EQ(j["epoch"].get<int>(), 4);
}

TEST(ConfigJsonMetrics, RoundTripsExactlyThroughText) {
  const EpochMetrics m = sampleMetrics();
  auto back = metricsFromJson(json::parse(metricsToJson(m).dump()));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->epoch, m.epoch);
  EXPECT_EQ(back->trainLoss, m.trainLoss);
  EXPECT_EQ(back->trainError, m.trainError);
  EXPECT_EQ(back->validationLoss, m.validationLoss);
  EXPECT_EQ(back->validationError, m.validationError);
  EXPECT_FALSE(back->testLoss.has_value());
  EXPECT_FALSE(back->testError.has_value());
  EXPECT_EQ(back->learningRate, m.learningRate);
  EXPECT_EQ(back->seconds, m.seconds);
  EXPECT_EQ(back->samplesPerSecond, m.samplesPerSecond);
}

TEST(ConfigJsonMetrics, ADivergedLossIsWrittenAsNullAndReadBackAsNaN) {
  EpochMetrics m = sampleMetrics();
  m.trainLoss = std::numeric_limits<double>::infinity();
  const json j = metricsToJson(m);
  EXPECT_TRUE(j["train_loss"].is_null());
  auto back = metricsFromJson(json::parse(j.dump()));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(std::isnan(back->trainLoss));
}

TEST(ConfigJsonMetrics, RefusesMissingWrongAndUnknownKeys) {
  json j = metricsToJson(sampleMetrics());
  json missing = j;
  missing.erase("seconds");
  auto r = metricsFromJson(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "missing \"seconds\"");

  json wrong = j;
  wrong["train_error"] = "low";
  r = metricsFromJson(wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "\"train_error\" must be a number, got \"low\"");

  json badEpoch = j;
  badEpoch["epoch"] = 1.5;
  r = metricsFromJson(badEpoch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("\"epoch\""), std::string::npos);

  json unknown = j;
  unknown["accuracy"] = 0.9;
  r = metricsFromJson(unknown);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unknown epoch metric \"accuracy\"");

  r = metricsFromJson(json::array());
  ASSERT_FALSE(r.ok());
}

}  // namespace
}  // namespace digitrain

// A value nested 10^4–10^6 levels deep once overflowed the stack while being quoted in an
// error message (found by review while writing the fuzzers; see tests/fuzz/regressions).
TEST(ConfigJson, DeeplyNestedValuesAreDescribedNotPrinted) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto value = nlohmann::json::parse(deep, nullptr, false);
  ASSERT_FALSE(value.is_discarded());
  EXPECT_EQ(digitrain::json_detail::shortText(value), "an array nested more than 32 levels deep");
}
