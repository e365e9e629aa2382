// Session::featureMaps: what the page draws as a convnet's feature maps, checked on a network
// small enough to compute by hand here.
#include <gtest/gtest.h>

#include <cmath>

#include "model_io.h"
#include "session.h"

namespace digitrain {
namespace {

// 4×4 image → conv2x2 (valid, ReLU, bias) → 3×3×2 → pool2s1 → 2×2×2 → dense 8 → 2 (softmax).
Model tinyConvnet() {
  Network net;
  net.loss = Loss::CrossEntropy;
  FrontLayer conv = *shapedFrontLayer<Scalar>(*parseFrontSpec("conv2x2"), {4, 4, 1}, Activation::Relu);
  conv.weights.resize(4, 2);    // rows (ky, kx): filter 0 is a diagonal difference, filter 1 a mean
  conv.weights << 1.0f, 0.25f,  //
      0.0f, 0.25f,              //
      0.0f, 0.25f,              //
      -1.0f, 0.25f;
  conv.bias.resize(2);
  conv.bias << 0.0f, -0.5f;
  FrontLayer pool = *shapedFrontLayer<Scalar>(*parseFrontSpec("pool2s1"), conv.out, Activation::Identity);
  net.front = {conv, pool};
  Layer out;
  out.activation = Activation::Softmax;
  out.weights = WeightsT<Scalar>::Constant(8, 2, 0.1f);
  out.bias = Vector::Zero(2);
  net.layers = {out};
  Model m;
  m.network = net;
  m.inputRows = m.inputCols = 4;
  return m;
}

TEST(SessionFeatureMaps, AreEachConvAndPoolLayersOutputByHand) {
  ThreadBudget budget(0);
  Session s(budget);
  ASSERT_TRUE(s.importModel(modelToJson(tinyConvnet()), "tiny.json").ok());
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = float(i % 5) / 4.0f;  // rows 0..3 of (i mod 5)/4

  auto maps = s.featureMaps(x);
  ASSERT_TRUE(maps.ok()) << maps.error();
  ASSERT_EQ(maps->size(), 2u);
  const FeatureMap& conv = (*maps)[0];
  EXPECT_EQ(frontToken(conv.spec), "conv2x2");
  EXPECT_EQ(conv.shape, (Shape3{3, 3, 2}));
  ASSERT_EQ(conv.values.size(), 18u);
  const auto px = [&](int y, int c) { return double(x[y * 4 + c]); };
  double expectedPool[2][2][2] = {};
  for (int y = 0; y < 3; ++y)
    for (int c = 0; c < 3; ++c) {
      const double diag = std::max(0.0, px(y, c) - px(y + 1, c + 1));
      const double mean = std::max(0.0, (px(y, c) + px(y, c + 1) + px(y + 1, c) + px(y + 1, c + 1)) / 4 - 0.5);
      EXPECT_NEAR(conv.values[(y * 3 + c) * 2 + 0], diag, 1e-6) << y << "," << c;
      EXPECT_NEAR(conv.values[(y * 3 + c) * 2 + 1], mean, 1e-6) << y << "," << c;
    }
  for (int y = 0; y < 2; ++y)
    for (int c = 0; c < 2; ++c)
      for (int f = 0; f < 2; ++f) {
        double m = 0;
        for (int dy = 0; dy < 2; ++dy)
          for (int dx = 0; dx < 2; ++dx) m = std::max<double>(m, conv.values[((y + dy) * 3 + c + dx) * 2 + f]);
        expectedPool[y][c][f] = m;
      }
  const FeatureMap& pool = (*maps)[1];
  EXPECT_EQ(frontToken(pool.spec), "pool2s1");
  EXPECT_EQ(pool.shape, (Shape3{2, 2, 2}));
  ASSERT_EQ(pool.values.size(), 8u);
  for (int y = 0; y < 2; ++y)
    for (int c = 0; c < 2; ++c)
      for (int f = 0; f < 2; ++f) EXPECT_NEAR(pool.values[(y * 2 + c) * 2 + f], expectedPool[y][c][f], 1e-6);

  // The pooled map is what the dense layer reads: the prediction is computed from the same values.
  auto p = s.predict(x);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->featureMaps.size(), 2u);
  EXPECT_EQ(p->featureMaps[1], pool.values);
}

TEST(SessionFeatureMaps, NoneForADenseNetworkAndRefusalsNameTheCall) {
  ThreadBudget budget(0);
  Session s(budget);
  EXPECT_EQ(s.featureMaps(std::vector<float>(16)).error(), "no model: configure a run or import a model first");
  ASSERT_TRUE(s.importModel(modelToJson(tinyConvnet()), "tiny.json").ok());
  EXPECT_EQ(s.featureMaps({0.1f, 0.2f}).error(), "featureMaps: got 2 values but the model has 16 inputs");
  std::vector<float> bad(16, 0.0f);
  bad[3] = NAN;
  EXPECT_EQ(s.featureMaps(bad).error(), "featureMaps: pixel 3 is not a number");

  Model dense;
  Layer out;
  out.activation = Activation::Softmax;
  out.weights = WeightsT<Scalar>::Constant(16, 2, 0.1f);
  out.bias = Vector::Zero(2);
  dense.network.layers = {out};
  dense.inputRows = dense.inputCols = 4;
  ASSERT_TRUE(s.importModel(modelToJson(dense), "dense.json").ok());
  auto maps = s.featureMaps(std::vector<float>(16, 0.5f));
  ASSERT_TRUE(maps.ok()) << maps.error();
  EXPECT_TRUE(maps->empty());
}

}  // namespace
}  // namespace digitrain
