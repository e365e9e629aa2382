// The labs' pen-and-paper exercises, checked digit for digit through the double-precision
// inspector (the same templated equations that train in float).
#include <gtest/gtest.h>

#include "inspector.h"

namespace digitrain {
namespace {

// Lab "ANN for Handwritten Digits Recognition", Question 1.1.1: a 2-2-1 sigmoid network
// with biases, MSE L = (o − y)², x = (0.8, 0.2), y = 0.4, learning rate 5.
//   z1 = 0.2 + 0.8·0.3 + 0.2·0.8   =  0.6    a1 = σ(0.6)   = 0.645656...
//   z2 = −0.4 + 0.8·(−0.5) + 0.2·0.2 = −0.76 a2 = σ(−0.76) = 0.318646...
//   z  = 0.5 − 0.6·a1 + 0.4·a2     =  0.240065...   o = σ(z) = 0.5597295991095778
//   e  = 2(o − y)·o(1 − o)          = 0.078725...
//   w2_11 −= 5·e·a1 → −0.8541467506279606, and so on; a second forward pass gives 0.40648823589210104.
TEST(Inspector, LabTwoTwoOneByHand) {
  NetworkT<double> net;
  net.loss = Loss::Mse;
  LayerT<double> hidden, out;
  hidden.activation = out.activation = Activation::Sigmoid;
  hidden.weights.resize(2, 2);
  hidden.weights << 0.3, -0.5, 0.8, 0.2;  // from x1 to (h1, h2); from x2 to (h1, h2)
  hidden.bias.resize(2);
  hidden.bias << 0.2, -0.4;
  out.weights.resize(2, 1);
  out.weights << -0.6, 0.4;
  out.bias.resize(1);
  out.bias << 0.5;
  net.layers = {hidden, out};

  auto step = inspectStep(net, {0.8, 0.2}, {0.4}, 5.0);
  ASSERT_TRUE(step.ok()) << step.error();
  const double tol = 1e-12;
  EXPECT_NEAR(step->outputBefore[0], 0.5597295991095778, tol);
  const auto& L1 = step->layers[0];
  const auto& L2 = step->layers[1];
  EXPECT_NEAR(L1.z(0), 0.6, tol);
  EXPECT_NEAR(L1.z(1), -0.76, tol);
  EXPECT_NEAR(L1.weightsAfter(0, 0), 0.3432265432215471, tol);   // w1_11
  EXPECT_NEAR(L1.weightsAfter(1, 0), 0.8108066358053868, tol);   // w1_21
  EXPECT_NEAR(L1.weightsAfter(0, 1), -0.5273473101875394, tol);  // w1_12
  EXPECT_NEAR(L1.weightsAfter(1, 1), 0.19316317245311515, tol);  // w1_22
  EXPECT_NEAR(L1.biasAfter(0), 0.25403317902693395, tol);        // w1_01
  EXPECT_NEAR(L1.biasAfter(1), -0.4341841377344243, tol);        // w1_02
  EXPECT_NEAR(L2.weightsAfter(0, 0), -0.8541467506279606, tol);  // w2_11
  EXPECT_NEAR(L2.weightsAfter(1, 0), 0.27457272177725717, tol);  // w2_21
  EXPECT_NEAR(L2.biasAfter(0), 0.10637455535192764, tol);        // w2_01
  EXPECT_NEAR(step->outputAfter[0], 0.40648823589210104, tol);
  EXPECT_NEAR(step->lossBefore, (0.5597295991095778 - 0.4) * (0.5597295991095778 - 0.4), tol);
}

// Assignment "Implementing an MLP using NumPy", Question 3: x = (1, −1), W = [[1,1,1],[−1,−1,−1]],
// V = [[1,1],[−1,−1],[−1,−1]], zero biases, softmax + cross-entropy, true class 0.
//   k = (2, 2, 2), h = σ(2) = 0.8807970779778823, o = (h − 2h, h − 2h) → y = (0.5, 0.5)
//   ∂l/∂o = y − t = (−0.5, 0.5); ∂l/∂V = hᵀ(y − t) = ±0.4404; ∂l/∂W = 0 (the two columns cancel).
TEST(Inspector, AssignmentTwoThreeTwoByHand) {
  NetworkT<double> net;
  net.loss = Loss::CrossEntropy;
  LayerT<double> hidden, out;
  hidden.activation = Activation::Sigmoid;
  out.activation = Activation::Softmax;
  hidden.weights.resize(2, 3);
  hidden.weights << 1, 1, 1, -1, -1, -1;
  hidden.bias = VectorT<double>::Zero(3);
  out.weights.resize(3, 2);
  out.weights << 1, 1, -1, -1, -1, -1;
  out.bias = VectorT<double>::Zero(2);
  net.layers = {hidden, out};

  auto step = inspectStep(net, {1, -1}, {1, 0}, 0.1);
  ASSERT_TRUE(step.ok()) << step.error();
  const double h = 1 / (1 + std::exp(-2.0));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(step->layers[1].weightGradient(i, 0), -0.5 * h, 1e-12);
    EXPECT_NEAR(step->layers[1].weightGradient(i, 1), 0.5 * h, 1e-12);
    for (int j = 0; j < 2; ++j) EXPECT_NEAR(step->layers[0].weightGradient(j, i), 0.0, 1e-12);
    EXPECT_NEAR(step->layers[0].biasGradient(i), 0.0, 1e-12);
  }
  EXPECT_NEAR(step->layers[1].biasGradient(0), -0.5, 1e-12);
  EXPECT_NEAR(step->layers[1].biasGradient(1), 0.5, 1e-12);
  EXPECT_NEAR(-0.5 * h, -0.4404, 5e-5);  // the value the assignment prints
  EXPECT_NEAR(step->lossBefore, std::log(2.0), 1e-12);
}

TEST(Inspector, RefusesWrongSizes) {
  NetworkT<double> net;
  LayerT<double> l;
  l.activation = Activation::Softmax;
  l.weights = MatrixT<double>::Zero(2, 2);
  net.layers = {l};
  auto bad = inspectStep(net, {1, 2, 3}, {1, 0}, 0.1);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("input has 3 values"), std::string::npos);
  auto bad2 = inspectStep(net, {1, 2}, {1}, 0.1);
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.error().find("target has 1 values"), std::string::npos);
}

}  // namespace
}  // namespace digitrain
