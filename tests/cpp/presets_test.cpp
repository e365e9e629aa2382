// Each preset against the lab it cites (each lab and its source are named in the README's presets table).
#include <gtest/gtest.h>

#include "conv.h"
#include "presets.h"

namespace digitrain {
namespace {

TrainConfig get(const std::string& name) {
  auto c = presetConfig(name);
  EXPECT_TRUE(c.ok());
  EXPECT_TRUE(validate(c.value()).ok()) << name;
  return c.value();
}

TEST(Presets, TpIsTheNumpyTp) {  // TP 4-6 "Neural Networks in Pure NumPy"
  TrainConfig c = get("tp");
  EXPECT_EQ(c.layers, (std::vector<int>{784, 128, 64, 10}));
  EXPECT_EQ(c.hidden, Activation::Sigmoid);
  EXPECT_EQ(c.output, Activation::Softmax);
  EXPECT_FALSE(c.bias);
  EXPECT_EQ(c.init, Init::NormalSqrtN);
  EXPECT_EQ(c.reduction, Reduction::Sum);
  EXPECT_EQ(c.batchSize, 1);
  EXPECT_DOUBLE_EQ(c.learningRate, 0.001);
  EXPECT_EQ(c.epochs, 30);
}

TEST(Presets, NumpyTutorial) {  // numpy.org "Deep learning on MNIST"
  TrainConfig c = get("numpy-tutorial");
  EXPECT_EQ(c.layers, (std::vector<int>{784, 100, 10}));
  EXPECT_EQ(c.hidden, Activation::Relu);
  EXPECT_EQ(c.loss, Loss::TotalSquaredError);  // it prints Σ(y − o)², steps along y − o
  EXPECT_DOUBLE_EQ(c.dropout, 0.5);
  EXPECT_EQ(c.init, Init::Uniform);
  EXPECT_DOUBLE_EQ(c.initScale, 0.1);
  EXPECT_DOUBLE_EQ(c.learningRate, 0.005);
  EXPECT_EQ(c.epochs, 20);
  EXPECT_EQ(c.limit, 1000);
  EXPECT_EQ(c.testLimit, 1000);
  EXPECT_EQ(c.batchSize, 1);
}

TEST(Presets, Blog) {
  TrainConfig c = get("blog");
  EXPECT_EQ(c.layers, (std::vector<int>{784, 200, 100, 50, 10}));
  EXPECT_EQ(c.init, Init::XavierBlog);
  EXPECT_DOUBLE_EQ(c.l2, 0.01);
  EXPECT_EQ(c.reduction, Reduction::Mean);
  EXPECT_TRUE(c.annealOnRise);
  EXPECT_DOUBLE_EQ(c.annealFactor, 0.9);
  EXPECT_EQ(c.batchSize, 64);
  EXPECT_EQ(c.epochs, 50);
  EXPECT_DOUBLE_EQ(c.learningRate, 0.1);
  EXPECT_TRUE(c.bias);
}

TEST(Presets, AssignmentAndLab) {
  TrainConfig a = get("assignment");
  EXPECT_EQ(a.layers, (std::vector<int>{784, 300, 10}));
  EXPECT_GT(a.validation, 0);
  EXPECT_EQ(a.init, Init::XavierNormal);  // the assignment asks for normally distributed weights
  TrainConfig l = get("lab");
  EXPECT_EQ(l.layers, (std::vector<int>{784, 30, 10}));
  EXPECT_EQ(l.output, Activation::Sigmoid);
  EXPECT_EQ(l.loss, Loss::Mse);
  EXPECT_EQ(l.batchSize, 0);
  EXPECT_EQ(l.validation, 10000);
  EXPECT_TRUE(l.bias);
  EXPECT_EQ(l.biasInit, BiasInit::LikeWeights);  // its biases are one more weight row
  get("best");
}

// ConvNetJS's demo network and trainer (karpathy/convnetjs demo/mnist.html, its SGDTrainer's
// defaults, Vol's init and makeLayers' bias_pref).
TEST(Presets, ConvNetJs) {
  TrainConfig c = get("convnetjs");
  EXPECT_EQ(c.crop, 24);
  EXPECT_EQ(c.layers, (std::vector<int>{576, 10}));
  ASSERT_EQ(c.front.size(), 4u);
  EXPECT_EQ(frontToken(c.front[0]), "conv5x8same");
  EXPECT_EQ(frontToken(c.front[1]), "pool2");
  EXPECT_EQ(frontToken(c.front[2]), "conv5x16same");
  EXPECT_EQ(frontToken(c.front[3]), "pool3");
  EXPECT_EQ(*frontOutputSize(576, c.front), 4 * 4 * 16);  // 24 → 24 → 12 → 12 → 4
  EXPECT_EQ(c.hidden, Activation::Relu);
  EXPECT_EQ(c.output, Activation::Softmax);
  EXPECT_EQ(c.init, Init::LecunNormal);
  EXPECT_EQ(c.biasInit, BiasInit::Relu01);
  EXPECT_EQ(c.optimizer, Optimizer::Adadelta);
  EXPECT_DOUBLE_EQ(c.learningRate, 1);
  EXPECT_DOUBLE_EQ(c.rho, 0.95);
  EXPECT_DOUBLE_EQ(c.adadeltaEpsilon, 1e-6);
  EXPECT_DOUBLE_EQ(c.l2, 0.001);
  EXPECT_EQ(c.reduction, Reduction::Mean);  // ConvNetJS divides the summed gradient by batch_size
  EXPECT_EQ(c.batchSize, 20);
  EXPECT_FALSE(c.augment);
}

TEST(Presets, BestCnnIsAnAugmentedConvnet) {
  TrainConfig c = get("best-cnn");
  EXPECT_FALSE(c.front.empty());
  EXPECT_TRUE(c.augment);
  EXPECT_EQ(c.crop, 0);
  EXPECT_EQ(c.validation, 0);  // chosen on a validation split; the preset trains on all 60,000
}

TEST(Presets, UnknownNameListsTheKnownOnes) {
  auto c = presetConfig("nope");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().find("tp, numpy-tutorial, blog, assignment, lab, best"), std::string::npos);
}

}  // namespace
}  // namespace digitrain
