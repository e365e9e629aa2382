// The update rules and the learning-rate schedule (optimizer.h): properties that follow from
// their formulas, and that the Trainer uses the schedule as stated. Step-by-step agreement
// with NumPy over many cases is checked by tests/reference/check_optimizers.py (CTest
// reference.optimizers).
#include <gtest/gtest.h>

#include <cmath>

#include "optimizer.h"
#include "schedule_util.h"
#include "test_util.h"
#include "trainer.h"

namespace digitrain {
namespace {

// One 2×3 layer with biases, in double.
NetworkT<double> smallLayer() {
  NetworkT<double> net;
  LayerT<double> layer;
  layer.weights.resize(2, 3);
  layer.weights << 0.5, -0.25, 1.0, -1.5, 0.75, 0.125;
  layer.bias.resize(3);
  layer.bias << 0.1, -0.2, 0.3;
  net.layers.push_back(layer);
  return net;
}

TrainConfig withOptimizer(Optimizer optimizer, double lr) {
  TrainConfig c;
  c.optimizer = optimizer;
  c.learningRate = lr;
  return c;
}

// Steps the whole layer once with gradients gW, gb (copies: a rule overwrites them).
void step(UpdateRule<double>& rule, NetworkT<double>& net, WeightsT<double> gW, VectorT<double> gb,
          const StepSize<double>& size) {
  LayerT<double>& layer = net.layers[0];
  rule.beginStep();
  rule.updateWeights(0, 0, layer.weights.middleCols(0, 3), gW.middleCols(0, 3), size);
  rule.updateBiases(0, 0, layer.bias.segment(0, 3), gb.segment(0, 3), size);
}

TEST(UpdateRule, OnlySgdMayBeFusedIntoTheGradientProducts) {
  const NetworkT<double> net = smallLayer();
  EXPECT_TRUE(makeUpdateRule(withOptimizer(Optimizer::Sgd, 0.1), net)->stateless());
  EXPECT_FALSE(makeUpdateRule(withOptimizer(Optimizer::Momentum, 0.1), net)->stateless());
  EXPECT_FALSE(makeUpdateRule(withOptimizer(Optimizer::Adam, 0.1), net)->stateless());
  EXPECT_FALSE(makeUpdateRule(withOptimizer(Optimizer::Adadelta, 1.0), net)->stateless());
}

TEST(UpdateRule, BiasesAreNotRegularised) {
  for (Optimizer optimizer : {Optimizer::Sgd, Optimizer::Momentum, Optimizer::Adam, Optimizer::Adadelta}) {
    const TrainConfig c = withOptimizer(optimizer, 0.1);
    NetworkT<double> plain = smallLayer(), decayed = smallLayer();
    auto a = makeUpdateRule(c, plain), b = makeUpdateRule(c, decayed);
    WeightsT<double> gW = WeightsT<double>::Constant(2, 3, 0.5);
    VectorT<double> gb = VectorT<double>::Constant(3, -0.5);
    for (int t = 0; t < 3; ++t) {
      step(*a, plain, gW, gb, {0.1, 1.0, 0.0});
      step(*b, decayed, gW, gb, {0.1, 1.0, 0.3});
    }
    EXPECT_EQ(plain.layers[0].bias, decayed.layers[0].bias) << name(optimizer);
    EXPECT_NE(plain.layers[0].weights, decayed.layers[0].weights) << name(optimizer);
  }
}

// m̂ = ĝ and û = ĝ² after one step, so the step is lr·ĝ/(|ĝ| + ε) ≈ lr·sign(ĝ), whatever the
// gradient's size and the reduction.
TEST(UpdateRule, AdamsFirstStepIsTheLearningRateTimesTheGradientsSign) {
  const NetworkT<double> start = smallLayer();
  NetworkT<double> net = start;
  auto rule = makeUpdateRule(withOptimizer(Optimizer::Adam, 0.01), net);
  WeightsT<double> gW(2, 3);
  gW << 3.0, -0.002, 40.0, -7.0, 0.5, -0.01;
  step(*rule, net, gW, VectorT<double>::Constant(3, 2.0), {0.01, 1.0 / 8, 0.0});
  const WeightsT<double> moved = net.layers[0].weights - start.layers[0].weights;
  for (Eigen::Index i = 0; i < gW.size(); ++i)
    EXPECT_NEAR(moved.data()[i], -0.01 * (gW.data()[i] > 0 ? 1 : -1), 1e-6) << i;
}

// Two steps worked by hand from ConvNetJS's formulas, with ρ = 0.5 and ε = 0.01 so every term
// counts: ĝ = s·(g + λθ); u₁ = (1 − ρ)ĝ², Δ₁ = √(ε/(u₁ + ε))·ĝ, x₁ = (1 − ρ)Δ₁²; then
// u₂ = ρu₁ + (1 − ρ)ĝ², Δ₂ = √((x₁ + ε)/(u₂ + ε))·ĝ (the step average lags one step behind).
TEST(UpdateRule, AdadeltaStepsAsConvNetJsWritesThem) {
  const double rho = 0.5, eps = 0.01, lr = 2.0, scale = 0.5, l2 = 0.1;
  TrainConfig c = withOptimizer(Optimizer::Adadelta, lr);
  c.rho = rho;
  c.adadeltaEpsilon = eps;
  const NetworkT<double> start = smallLayer();
  NetworkT<double> net = start;
  auto rule = makeUpdateRule(c, net);
  WeightsT<double> gW(2, 3);
  gW << 0.4, -1.0, 0.0, 2.0, 0.3, -0.05;
  const VectorT<double> gb = VectorT<double>::Constant(3, 0.6);
  for (int i = 0; i < 2; ++i) step(*rule, net, gW, gb, {lr, scale, l2});
  for (Eigen::Index k = 0; k < gW.size(); ++k) {
    double theta = start.layers[0].weights.data()[k], u = 0, x = 0;
    for (int t = 0; t < 2; ++t) {
      const double g = scale * (gW.data()[k] + l2 * theta);
      u = rho * u + (1 - rho) * g * g;
      const double delta = std::sqrt((x + eps) / (u + eps)) * g;
      x = rho * x + (1 - rho) * delta * delta;
      theta -= lr * delta;
    }
    EXPECT_NEAR(net.layers[0].weights.data()[k], theta, 1e-14) << k;
  }
  // Biases: the same without λ; ĝ = 0.3 on both steps.
  const double g = 0.3, u1 = (1 - rho) * g * g, d1 = std::sqrt(eps / (u1 + eps)) * g, x1 = (1 - rho) * d1 * d1,
               u2 = rho * u1 + (1 - rho) * g * g, d2 = std::sqrt((x1 + eps) / (u2 + eps)) * g;
  EXPECT_NEAR(net.layers[0].bias(0), start.layers[0].bias(0) - lr * (d1 + d2), 1e-14);
}

// With a constant gradient g, v_t = −lr·g·(1 − μᵗ)/(1 − μ): the step grows towards lr·g/(1 − μ).
TEST(UpdateRule, MomentumOnAConstantGradientIsAGeometricSeries) {
  const double lr = 0.1, mu = 0.8, g = 0.5;
  TrainConfig c = withOptimizer(Optimizer::Momentum, lr);
  c.momentum = mu;
  const NetworkT<double> start = smallLayer();
  NetworkT<double> net = start;
  auto rule = makeUpdateRule(c, net);
  double moved = 0;
  for (int t = 1; t <= 12; ++t) {
    step(*rule, net, WeightsT<double>::Constant(2, 3, g), VectorT<double>::Constant(3, g), {lr, 1.0, 0.0});
    moved -= lr * g * (1 - std::pow(mu, t)) / (1 - mu);
  }
  const WeightsT<double> expected = start.layers[0].weights.array() + moved;
  EXPECT_LT((net.layers[0].weights - expected).cwiseAbs().maxCoeff(), 1e-12);
}

using testing::epochsWithLosses;

TEST(Schedule, AnnealsOnARiseAndDecaysEveryNEpochs) {
  TrainConfig c;
  c.learningRate = 0.1;
  c.annealOnRise = true;
  c.annealFactor = 0.5;
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, {}), 0.1);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {1.0})), 0.1);
  // The blog's code first compares epoch 3 with epoch 2: a rise at epoch 2 is not annealed.
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {1.0, 2.0})), 0.1);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {1.0, 2.0, 3.0})), 0.05);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {2.0, 1.0, 1.0})), 0.1);  // equal is no rise
  c.stepDecayEvery = 2;
  c.stepDecayFactor = 0.1;
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {1.0, 2.0})), 0.01);
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {1.0, 2.0, 3.0})), 0.005);
  // 0.1 → 0.01 (decay after 2; the fall is no rise) → 0.005 (rise at 3) → 0.00025 (rise and decay at 4).
  EXPECT_DOUBLE_EQ(scheduledLearningRate(c, epochsWithLosses(c, {1.0, 0.5, 0.6, 0.7})), 0.00025);
}

// The rate the Trainer records for each epoch is the schedule's for the epochs before it, and
// a trainer resumed from a history starts at the schedule's next rate.
TEST(Schedule, TheTrainerFollowsItAndAResumedTrainerContinuesIt) {
  auto data = testing::syntheticDigits(96, 21);
  TrainConfig c;
  c.layers = {784, 12, 10};
  c.bias = true;
  c.batchSize = 16;
  c.epochs = 6;
  c.learningRate = 30;  // large enough for the loss to rise now and then
  c.reduction = Reduction::Mean;
  c.annealOnRise = true;
  c.annealFactor = 0.5;
  c.stepDecayEvery = 4;
  c.stepDecayFactor = 0.2;
  auto made = Trainer::create(c, data, nullptr);
  ASSERT_TRUE(made.ok()) << made.error();
  Trainer& t = *made.value();
  t.train(1 << 20);
  const auto& history = t.history();
  ASSERT_EQ(history.size(), 6u);
  bool annealed = false;
  for (size_t k = 0; k < history.size(); ++k) {
    const std::vector<EpochMetrics> before(history.begin(), history.begin() + k);
    EXPECT_EQ(history[k].learningRate, scheduledLearningRate(c, before)) << "epoch " << k + 1;
    annealed = annealed || (k >= 3 && history[k - 1].trainLoss > history[k - 2].trainLoss);
  }
  EXPECT_TRUE(annealed) << "no rise of the loss: the anneal went untested";
  c.epochs = 8;
  auto resumed = Trainer::create(c, data, nullptr, t.network(), history);
  ASSERT_TRUE(resumed.ok()) << resumed.error();
  EXPECT_EQ(resumed.value()->learningRate(), scheduledLearningRate(c, history));
}

// Adam divides the averaged gradient by its root mean square, so scaling every gradient by
// 1/B (the `mean` reduction) changes the steps only through ε.
TEST(TrainerOptimizers, AdamStepsHardlyDependOnTheReduction) {
  auto data = testing::syntheticDigits(128, 22);
  TrainConfig c;
  c.layers = {784, 16, 10};
  c.bias = true;
  c.batchSize = 32;
  c.epochs = 2;
  c.optimizer = Optimizer::Adam;
  c.learningRate = 0.003;
  c.reduction = Reduction::Sum;
  auto sum = Trainer::create(c, data, nullptr);
  c.reduction = Reduction::Mean;
  auto mean = Trainer::create(c, data, nullptr);
  ASSERT_TRUE(sum.ok() && mean.ok());
  sum.value()->train(1 << 20);
  mean.value()->train(1 << 20);
  for (size_t l = 0; l < 2; ++l) {
    const auto& a = sum.value()->network().layers[l];
    const auto& b = mean.value()->network().layers[l];
    EXPECT_LT((a.weights - b.weights).cwiseAbs().maxCoeff(), 1e-4) << "layer " << l + 1;
    EXPECT_LT((a.bias - b.bias).cwiseAbs().maxCoeff(), 1e-4) << "layer " << l + 1;
  }
}

}  // namespace
}  // namespace digitrain
