// Convnets end to end: the layers setting, training (determinism per thread count, every
// optimiser), evaluation and single-image prediction through the conv front.
#include <gtest/gtest.h>

#include "config_json.h"
#include "model_io.h"
#include "npz.h"
#include "presets.h"
#include "session.h"
#include "settings.h"
#include "test_util.h"
#include "trainer.h"

namespace digitrain {
namespace {

using nlohmann::json;
using testing::fixtureDigits;
using testing::largestDifference;
using testing::sameWeights;
using testing::syntheticDigits;
using testing::trained;

TrainConfig smallConvnet() {
  TrainConfig c = *presetConfig("tfjs-example");
  c.layers = {784, 10};
  c.front = {*parseFrontSpec("conv5x4s2"), *parseFrontSpec("pool2"), *parseFrontSpec("conv3x6same")};
  c.batchSize = 16;
  c.epochs = 1;
  c.seed = 3;
  c.threads = 1;  // the preset's `auto` would make the count depend on the machine's load
  return c;
}

TEST(ConvSettings, LayersListTheConvLayersAfterTheInputs) {
  const TrainConfig c = *presetConfig("tfjs-example");
  EXPECT_EQ(c.layers, (std::vector<int>{784, 10}));
  ASSERT_EQ(c.front.size(), 4u);
  EXPECT_EQ(configToJson(c).at("layers"), json::parse(R"([784, "conv5x8", "pool2", "conv5x16", "pool2", 10])"));
  auto back = applyConfigJson(TrainConfig{}, json{{"layers", configToJson(c).at("layers")}});
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->front.size(), 4u);
  EXPECT_EQ(back->layers, c.layers);
}

TEST(ConvSettings, RefusalsNameTheLayerAndTheProblem) {
  const auto error = [](const char* layers) {
    auto r = applyConfigJson(TrainConfig{}, json{{"layers", json::parse(layers)}});
    return r ? std::string("accepted") : r.error();
  };
  EXPECT_EQ(error(R"([784, "conv5x8", "pool2", "conv5x16", "pool2", "conv5x4", 10])"),
            "setting \"layers\" (Layer sizes) conv5x4 at position 6 gets a 4×4×16 input, smaller than its 5×5 kernel "
            "(`same` padding would keep the size)");
  EXPECT_EQ(error(R"([784, 100, "conv5x8", 10])"),
            "setting \"layers\" (Layer sizes) has conv5x8 at position 3 after a dense layer: conv and pool layers come "
            "right after the inputs");
  EXPECT_EQ(error(R"([784, "conv5x8", "pool2"])"),
            "setting \"layers\" (Layer sizes) needs at least 2 sizes (inputs and outputs), got 1");
  EXPECT_EQ(error(R"(["conv5x8", 784, 10])"),
            "setting \"layers\" (Layer sizes) must be an array of whole numbers, got \"conv5x8\" at position 1");
  EXPECT_NE(error(R"([784, "conv5x", 10])").find("has an invalid layer at position 2: \"conv5x\" is not a layer"),
            std::string::npos);
  EXPECT_NE(error(R"([700, "conv5x8", 10])").find("700 inputs are not the pixels of one"), std::string::npos);
}

TEST(ConvTraining, SameSeedSameThreadsIsBitwiseIdentical) {
  auto data = syntheticDigits(200, 4);
  for (int threads : {1, 2}) {
    TrainConfig c = smallConvnet();
    c.threads = threads;
    auto a = trained(c, data), b = trained(c, data);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(sameWeights(a->network(), b->network())) << threads << " threads";
  }
}

TEST(ConvTraining, ThreadCountChangesOnlyRounding) {
  auto data = syntheticDigits(200, 5);
  TrainConfig c = smallConvnet();
  auto one = trained(c, data);
  c.threads = 2;
  auto two = trained(c, data);
  ASSERT_TRUE(one && two);
  const double d = largestDifference(one->network(), two->network());
  EXPECT_LT(d, 1e-4);
  EXPECT_FALSE(sameWeights(one->network(), trained(smallConvnet(), syntheticDigits(200, 6))->network()));
}

// A convnet does hundreds of flop per parameter and sample (its kernels apply at every
// position), so a small batch is shared where a dense network's of the same size is not.
TEST(ConvTraining, ASmallConvnetBatchIsSharedByTwoThreads) {
  auto data = syntheticDigits(200, 7);
  TrainConfig c = smallConvnet();
  c.batchSize = 20;
  c.threads = 2;
  const auto reason = [&](const TrainConfig& config) {
    auto t = Trainer::create(config, data, nullptr);
    return t.ok() ? t.value()->threadsReason() : t.error();
  };
  EXPECT_EQ(reason(c), "2 threads, as set");
  TrainConfig dense = c;
  dense.front.clear();
  dense.layers = {784, 32, 10};
  EXPECT_EQ(reason(dense), "1 thread of the 2 set: batch 20 is too small to share further");
  auto a = trained(c, data), b = trained(c, data);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(sameWeights(a->network(), b->network()));
  c.threads = 1;
  auto one = trained(c, data);
  ASSERT_TRUE(one);
  EXPECT_FALSE(sameWeights(a->network(), one->network()));  // two threads sum the gradient in another order
  EXPECT_LT(largestDifference(a->network(), one->network()), 1e-4);
}

// Augmentation feeds the conv front: the distorted bytes are the map it reads, so an augmented
// run trains other weights than a plain one, and the same ones again for the same seed.
TEST(ConvTraining, AugmentedTrainingIsDeterministicPerSeed) {
  auto data = syntheticDigits(200, 8);
  for (int threads : {1, 2}) {
    TrainConfig c = smallConvnet();
    c.threads = threads;
    auto plain = trained(c, data);
    c.augment = true;
    c.elasticAlpha = 8;
    auto a = trained(c, data), b = trained(c, data);
    c.seed = 4;
    auto otherSeed = trained(c, data);
    ASSERT_TRUE(plain && a && b && otherSeed);
    EXPECT_TRUE(sameWeights(a->network(), b->network())) << threads << " threads";
    EXPECT_FALSE(sameWeights(a->network(), plain->network())) << threads << " threads";
    EXPECT_FALSE(sameWeights(a->network(), otherSeed->network())) << threads << " threads";
    for (const FrontLayer& f : a->network().front) EXPECT_TRUE(f.weights.allFinite());
  }
}

// Momentum and Adam on several threads take the generic step for a convnet (the dense layers'
// in-task step would leave the front's gradients unread): one and two threads agree but for
// rounding.
TEST(ConvTraining, StatefulRulesAgreeAcrossThreadCounts) {
  auto data = syntheticDigits(200, 9);
  for (Optimizer o : {Optimizer::Momentum, Optimizer::Adam}) {
    TrainConfig c = smallConvnet();
    c.optimizer = o;
    c.learningRate = o == Optimizer::Adam ? 0.001 : 0.05;
    c.batchSize = 32;
    auto one = trained(c, data);
    c.threads = 2;
    auto two = trained(c, data);
    ASSERT_TRUE(one && two);
    EXPECT_EQ(two->threads(), 2);
    EXPECT_LT(largestDifference(one->network(), two->network()), 1e-4) << name(o);
    EXPECT_GT(largestDifference(one->network(), trained(smallConvnet(), data)->network()), 0) << name(o);
  }
}

// `auto` on a convnet measures a copy (front included, with its own momentum state) and then
// trains from the start: the weights of a run that sets the count it chose.
TEST(ConvTraining, AutoThreadsTrainsExactlyAsTheCountItChose) {
  auto data = syntheticDigits(300, 10);
  TrainConfig c = smallConvnet();
  c.optimizer = Optimizer::Momentum;
  c.learningRate = 0.05;
  c.batchSize = 64;
  c.threads = 0;
  auto automatic = Trainer::create(c, data, nullptr, std::nullopt, {}, 2);
  ASSERT_TRUE(automatic.ok()) << automatic.error();
  const int chosen = (*automatic)->threads();
  EXPECT_GE(chosen, 1);
  EXPECT_LE(chosen, 2);
  EXPECT_FALSE((*automatic)->threadsReason().empty());
  c.threads = chosen;
  auto fixed = trained(c, data);
  (*automatic)->train(1 << 20);
  ASSERT_TRUE(fixed);
  EXPECT_TRUE(sameWeights((*automatic)->network(), fixed->network())) << chosen << " threads";
}

TEST(ConvTraining, EveryOptimiserMovesTheConvWeights) {
  auto data = syntheticDigits(64, 7);
  for (Optimizer o : {Optimizer::Sgd, Optimizer::Momentum, Optimizer::Adam}) {
    TrainConfig c = smallConvnet();
    c.optimizer = o;
    c.learningRate = o == Optimizer::Adam ? 0.001 : 0.05;
    auto start = Trainer::create(c, data, nullptr);
    ASSERT_TRUE(start.ok());
    const Network before = (*start)->network();
    (*start)->train(1 << 20);
    const Network& after = (*start)->network();
    for (size_t l : {size_t(0), size_t(2)}) {
      EXPECT_GT((after.front[l].weights - before.front[l].weights).cwiseAbs().maxCoeff(), 0) << name(o) << " " << l;
      EXPECT_GT((after.front[l].bias - before.front[l].bias).cwiseAbs().maxCoeff(), 0) << name(o) << " " << l;
      EXPECT_TRUE(after.front[l].weights.allFinite());
    }
  }
}

TEST(ConvTraining, PredictionOfOneImageMatchesEvaluation) {
  auto data = syntheticDigits(100, 8);
  auto t = trained(smallConvnet(), data);
  ASSERT_TRUE(t);
  const Network& net = t->network();
  const Evaluation ev = evaluate(net, *data, 0, 10, true);
  for (size_t s = 0; s < 10; ++s) {
    std::vector<float> pixels(784);
    for (int i = 0; i < 784; ++i) pixels[i] = float(data->image(s)[i]) / 255.0f;
    const Prediction p = forwardWithActivations(net, pixels.data());
    EXPECT_EQ(p.predicted, ev.predicted[s]);
    ASSERT_EQ(p.featureMaps.size(), 3u);
    EXPECT_EQ(p.featureMaps[0].size(), size_t(12 * 12 * 4));
    EXPECT_EQ(p.featureMaps[2].size(), size_t(6 * 6 * 6));
    for (int k = 0; k < 10; ++k) EXPECT_NEAR(p.outputs()[k], ev.probabilities[s * 10 + k], 1e-6);
  }
}

TEST(ConvModelFile, RoundTripsBitwiseAsVersionTwo) {
  auto data = syntheticDigits(64, 9);
  auto t = trained(smallConvnet(), data);
  ASSERT_TRUE(t);
  Model m;
  m.network = t->network();
  m.config = t->config();
  const std::string text = modelToJson(m);
  EXPECT_NE(text.find("\"version\": 2"), std::string::npos);
  EXPECT_NE(text.find("\"type\": \"conv\", \"kernel\": 5, \"filters\": 4, \"stride\": 2, \"padding\": \"valid\""),
            std::string::npos);
  auto back = modelFromJson(text, "m.json");
  ASSERT_TRUE(back) << back.error();
  EXPECT_TRUE(sameWeights(back->network, m.network));
  ASSERT_TRUE(back->config);
  EXPECT_EQ(back->config->front.size(), 3u);
  // The inspector's reading: the same numbers in double.
  auto exact = networkInDoublePrecision(text, "m.json");
  ASSERT_TRUE(exact) << exact.error();
  EXPECT_EQ(exact->front[2].weights.cast<float>(), m.network.front[2].weights);
  // The kernel is written (out, in, ky, kx): entry [o][c][ky][kx] is weights((ky·k + kx)·C + c, o).
  const json doc = json::parse(text);
  const auto& f = m.network.front[2];
  EXPECT_EQ(doc["layers"][2]["weights"][5][3][2][1].get<float>(), f.weights((2 * 3 + 1) * 4 + 3, 5));
  // A dense network is still written as version 1.
  Model dense;
  dense.network = m.network;
  dense.network.front.clear();
  dense.network.layers[0].weights.resize(784, 10);
  dense.network.layers[0].weights.setZero();
  EXPECT_NE(modelToJson(dense).find("\"version\": 1,"), std::string::npos);
}

TEST(ConvModelFile, RefusalsNameTheField) {
  auto t = trained(smallConvnet(), syntheticDigits(32, 10));
  ASSERT_TRUE(t);
  Model m;
  m.network = t->network();
  json doc = json::parse(modelToJson(m));
  const auto error = [](const json& d) {
    auto r = modelFromJson(d.dump(), "m.json");
    return r ? std::string("accepted") : r.error();
  };
  json v1 = doc;
  v1["version"] = 1;
  EXPECT_EQ(error(v1), "m.json: layers[0] has a \"type\", which version 1 files do not");
  json wrongShape = doc;
  wrongShape["layers"][0]["weights"][1] = json::array();
  EXPECT_EQ(error(wrongShape), "m.json: layers[0].weights[1] must hold 1 input channels");
  json wrongPadding = doc;
  wrongPadding["layers"][2]["padding"] = "full";
  EXPECT_EQ(error(wrongPadding), "m.json: layers[2].padding must be \"valid\" or \"same\", got \"full\"");
  json wrongSize = doc;
  wrongSize["layers"][2]["padding"] = "valid";  // 6×6 → 4×4: the dense layer no longer fits
  EXPECT_EQ(error(wrongSize),
            "m.json: the conv and pool layers give a 4×4×6 map = 96 values but layers[3].inputs is 216");
  json late = doc;
  late["layers"].push_back(doc["layers"][1]);
  EXPECT_EQ(error(late), "m.json: layers[4].type is \"pool\": conv and pool layers come before the dense ones");
}

TEST(ConvModelFile, NpzHoldsTheKernelsAsOutInKhKw) {
  auto t = trained(smallConvnet(), syntheticDigits(32, 11));
  ASSERT_TRUE(t);
  const std::vector<uint8_t> npz = networkToNpz(t->network());
  const std::string bytes(npz.begin(), npz.end());
  for (const char* header : {"conv1_w.npy", "'shape': (4, 1, 5, 5)", "conv1_b.npy", "conv2_w.npy",
                             "'shape': (6, 4, 3, 3)", "w1.npy", "'shape': (216, 10)"})
    EXPECT_NE(bytes.find(header), std::string::npos) << header;
}

// The TF.js example's network learns real digits: 3,000 training digits of the fixture, 2 epochs.
TEST(ConvLearning, TfjsExampleOnRealDigits) {
  auto train = fixtureDigits("train");
  auto test = fixtureDigits("t10k");
  TrainConfig c = *presetConfig("tfjs-example");
  c.epochs = 2;
  auto t = Trainer::create(c, train, test);
  ASSERT_TRUE(t.ok()) << t.error();
  StepResult r = (*t)->train(1 << 20);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_LT(*r.epochs.back().testError, 0.12);
}

}  // namespace
}  // namespace digitrain
