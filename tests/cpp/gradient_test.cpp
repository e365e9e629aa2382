// Central-difference gradient checks, in double, for every activation × loss × bias ×
// reduction combination the engine accepts (and with dropout masks held fixed).
#include <gtest/gtest.h>

#include <tuple>

#include "layer_math.h"

namespace digitrain {
namespace {

using Net = NetworkT<double>;

struct Case {
  Activation hidden, output;
  Loss loss;
  bool bias;
  Reduction reduction;
  bool dropout;
};

std::string label(const Case& c) {
  return std::string(name(c.hidden)) + "/" + name(c.output) + "/" + name(c.loss) + (c.bias ? "/bias" : "/nobias") +
         "/" + name(c.reduction) + (c.dropout ? "/dropout" : "");
}

// The batch objective the trainer steps down: Σ_samples L, divided by B under `mean`. A
// squared loss steps along gradient·(o − y), the derivative of (gradient/2)·Σ(o − y)², which
// is the reported L times gradient/(2·reported) (names.h): 1 for mse and squared-error, ½ for
// the NumPy tutorial's total-squared-error, which reports Σ(o − y)² but steps along o − y.
double objective(const Net& net, Workspace<double>& ws, int B, Reduction r) {
  forward(net, ws, B);
  double sum = outputError(net, ws, B);
  if (const auto f = squaredLossFactors(net.loss)) sum *= f->gradient / (2 * f->reported);
  return r == Reduction::Mean ? sum / B : sum;
}

void check(const Case& c) {
  SCOPED_TRACE(label(c));
  Rng rng(42);
  Net net;
  net.loss = c.loss;
  const int sizes[] = {5, 4, 3, 3};
  for (int l = 0; l < 3; ++l) {
    LayerT<double> layer;
    layer.activation = l == 2 ? c.output : c.hidden;
    layer.weights.resize(sizes[l], sizes[l + 1]);
    for (Eigen::Index i = 0; i < layer.weights.size(); ++i) layer.weights.data()[i] = rng.normal() * 0.8;
    if (c.bias) {
      layer.bias.resize(sizes[l + 1]);
      for (Eigen::Index i = 0; i < layer.bias.size(); ++i) layer.bias(i) = rng.normal() * 0.5;
    }
    net.layers.push_back(layer);
  }
  const int B = 3;
  Workspace<double> ws;
  ws.resize(net, B, c.dropout);
  for (Eigen::Index i = 0; i < ws.a[0].size(); ++i) ws.a[0].data()[i] = rng.uniform();
  ws.target.setZero();
  for (int j = 0; j < B; ++j) {
    if (c.loss == Loss::CrossEntropy) ws.target(rng.below(3), j) = 1;
    else
      for (int k = 0; k < 3; ++k) ws.target(k, j) = rng.uniform();
  }
  const double keep = 0.5;
  if (c.dropout)
    for (auto& m : ws.mask)
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng.uniform() < keep ? 1 / keep : 0;
  const MatrixT<double> inputs = ws.a[0];

  GradientsT<double> g;
  g.resize(net);
  objective(net, ws, B, c.reduction);
  backward(net, ws, B, g, true, keep);
  const double scale = c.reduction == Reduction::Mean ? 1.0 / B : 1.0;

  const double h = 1e-6;
  double worst = 0;
  auto probe = [&](double& param, double analytic) {
    const double saved = param;
    param = saved + h;
    ws.a[0] = inputs;
    const double up = objective(net, ws, B, c.reduction);
    param = saved - h;
    ws.a[0] = inputs;
    const double down = objective(net, ws, B, c.reduction);
    param = saved;
    const double numeric = (up - down) / (2 * h);
    const double err = std::abs(numeric - analytic) / std::max(1.0, std::abs(numeric) + std::abs(analytic));
    worst = std::max(worst, err);
    EXPECT_LT(err, 1e-6) << "numeric " << numeric << " analytic " << analytic;
  };
  for (size_t l = 0; l < net.layers.size(); ++l) {
    for (Eigen::Index i = 0; i < net.layers[l].weights.size(); ++i)
      probe(net.layers[l].weights.data()[i], scale * g.weights[l].data()[i]);
    for (Eigen::Index i = 0; i < net.layers[l].bias.size(); ++i)
      probe(net.layers[l].bias.data()[i], scale * g.bias[l].data()[i]);
  }
  ::testing::Test::RecordProperty("worst_relative_error", std::to_string(worst));
}

TEST(GradientCheck, EveryActivationLossBiasReduction) {
  // Every name of names.cpp's tables, placed where the rules allow (a new activation or loss
  // is checked without an edit here).
  int checked = 0, expected = 0;
  for (const std::string& h : activationNames()) {
    const Activation hidden = *parseActivation(h);
    if (!allowedBeforeOutput(hidden)) continue;
    for (const std::string& o : activationNames())
      for (const std::string& l : lossNames()) {
        const Activation output = *parseActivation(o);
        const Loss loss = *parseLoss(l);
        const auto needed = requiredOutput(loss);
        if (needed && output != *needed) continue;  // refused by validate()
        expected += 4;
        for (bool bias : {false, true})
          for (Reduction r : {Reduction::Sum, Reduction::Mean}) {
            check({hidden, output, loss, bias, r, false});
            ++checked;
          }
      }
  }
  // 4 hidden activations × (5 outputs × 3 losses that take any output + softmax × cross-entropy).
  EXPECT_GE(checked, 4 * (5 * 3 + 1) * 4);
  EXPECT_EQ(checked, expected);
}

TEST(GradientCheck, WithFixedDropoutMasks) {
  for (Activation hidden : {Activation::Sigmoid, Activation::Tanh, Activation::Relu})
    for (Loss loss : {Loss::CrossEntropy, Loss::SquaredError})
      check({hidden, loss == Loss::CrossEntropy ? Activation::Softmax : Activation::Identity, loss, true,
             Reduction::Sum, true});
}

}  // namespace
}  // namespace digitrain
