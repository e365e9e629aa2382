// The sparse first layer (cpp/core/sparse_inputs.h): the index of non-zero inputs, the row
// combinations, and that every update path of the Trainer that uses them (fused one-thread
// SGD, the multi-thread step, the gradient buffers of momentum) trains to the same weights
// as the dense products on real digits, to rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "layer_math.h"
#include "random.h"
#include "test_util.h"
#include "trainer.h"

namespace digitrain {
namespace {

// Indexes the first B of `images` (m bytes each) as the Trainer does, scaled by `scale`.
bool indexBytes(SparseInputs<Scalar>& s, const std::vector<std::vector<uint8_t>>& images, int B, float scale) {
  return indexImages(
      s, [&](int j) { return images[j].data(); }, B, static_cast<int>(images[0].size()), scale);
}

TEST(SparseInputs, IndexesTheNonZeroInputsBySampleAndByInput) {
  // 40 pixels (two 16-wide blocks and a tail of 8), 3 samples: a few non-zeros each.
  std::vector<std::vector<uint8_t>> images(4, std::vector<uint8_t>(40, 0));
  images[0][0] = 2;
  images[0][17] = 4;
  images[0][39] = 1;
  images[1][17] = 3;
  images[2][31] = 8;
  images[3][5] = 36;  // sample 3 is beyond B = 3: ignored
  SparseInputs<Scalar> s;
  s.resize(40, 4);
  ASSERT_TRUE(indexBytes(s, images, 3, 0.25f));
  ASSERT_TRUE(s.active);
  EXPECT_EQ(std::vector<int>(s.sampleStart.begin(), s.sampleStart.begin() + 4), (std::vector<int>{0, 3, 4, 5}));
  EXPECT_EQ(std::vector<int>(s.input.begin(), s.input.begin() + 5), (std::vector<int>{0, 17, 39, 17, 31}));
  EXPECT_EQ(std::vector<float>(s.inputValue.begin(), s.inputValue.begin() + 5),
            (std::vector<float>{0.5f, 1.0f, 0.25f, 0.75f, 2.0f}));
  indexByInput(s, 40);
  EXPECT_EQ(s.rows, (std::vector<int>{0, 17, 31, 39}));
  EXPECT_EQ(s.rowStart, (std::vector<int>{0, 1, 3, 4, 5}));
  // Input 17 (row 1) is non-zero in samples 0 and 1, in sample order.
  const int k = s.rowStart[1];
  EXPECT_EQ(s.sample[k], 0);
  EXPECT_EQ(s.sample[k + 1], 1);
  EXPECT_EQ(s.sampleValue[k], 1.0f);
  EXPECT_EQ(s.sampleValue[k + 1], 0.75f);
}

TEST(SparseInputs, IndexesOneSampleByInputAsItsOwnInputs) {
  // One sample takes a shortcut (its inputs are the rows); the index must be the one the
  // counting by input gives, after a chunk of several samples left other entries behind.
  std::vector<std::vector<uint8_t>> images(3, std::vector<uint8_t>(40, 0));
  images[0][3] = 9;
  images[1][3] = 4;
  images[1][20] = 8;
  images[2][7] = 255;
  images[2][8] = 1;
  images[2][39] = 2;
  SparseInputs<Scalar> s;
  s.resize(40, 3);
  ASSERT_TRUE(indexBytes(s, images, 3, 1.0f));
  indexByInput(s, 40);
  ASSERT_EQ(s.rows, (std::vector<int>{3, 7, 8, 20, 39}));
  images[0] = images[2];
  ASSERT_TRUE(indexBytes(s, images, 1, 0.5f));
  indexByInput(s, 40);
  EXPECT_EQ(s.rows, (std::vector<int>{7, 8, 39}));
  EXPECT_EQ(s.rowStart, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(std::vector<int>(s.sample.begin(), s.sample.begin() + 3), (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(std::vector<float>(s.sampleValue.begin(), s.sampleValue.begin() + 3),
            (std::vector<float>{127.5f, 0.5f, 1.0f}));
}

TEST(SparseInputs, IndexesRealDigitsLikeAPlainScanOfTheirPixels) {
  auto digits = testing::fixtureDigits("train");
  ASSERT_TRUE(digits) << "fixture missing: tests/fixtures/digits";
  const int B = 32, m = digits->features();
  const float scale = 1.0f / 255.0f;
  std::vector<int> sampleStart{0}, input;
  std::vector<float> value;
  for (int j = 0; j < B; ++j) {
    for (int i = 0; i < m; ++i)
      if (digits->image(j)[i] != 0) {
        input.push_back(i);
        value.push_back(float(digits->image(j)[i]) * scale);
      }
    sampleStart.push_back(static_cast<int>(input.size()));
  }
  SparseInputs<Scalar> s;
  s.resize(m, B);
  EXPECT_TRUE(indexImages(
      s, [&](int j) { return digits->image(j); }, B, m, scale));
  const int nnz = s.sampleStart[B];
  EXPECT_GT(nnz, 0);
  EXPECT_LT(nnz, m * B / 3);  // MNIST: ~19% non-zero
  EXPECT_EQ(s.sampleStart, sampleStart);
  EXPECT_EQ(std::vector<int>(s.input.begin(), s.input.begin() + nnz), input);
  EXPECT_EQ(std::vector<float>(s.inputValue.begin(), s.inputValue.begin() + nnz), value);
  // Dense bytes (a 3 in every pixel but a few): refused, so the caller fills the columns.
  std::vector<uint8_t> dense(static_cast<size_t>(m), 3);
  dense[5] = 0;
  EXPECT_FALSE(indexImages(
      s, [&](int) { return dense.data(); }, B, m, scale));
  EXPECT_FALSE(s.active);
}

TEST(SparseInputs, LeavesDenseChunksToTheDenseProducts) {
  SparseInputs<Scalar> s;
  s.resize(64, 8);
  std::vector<std::vector<uint8_t>> images(8, std::vector<uint8_t>(64, 0));
  // A dense first sample: inactive at once.
  images[0].assign(64, 25);
  EXPECT_FALSE(indexBytes(s, images, 8, 1.0f));
  EXPECT_FALSE(s.active);
  // Sparse first samples, dense later ones: more than half of the chunk is non-zero.
  for (auto& image : images) image.assign(64, 25);
  images[0].assign(64, 0);
  images[1].assign(64, 0);
  EXPECT_FALSE(indexBytes(s, images, 8, 1.0f));
  // Just under half: sparse.
  for (auto& image : images) {
    image.assign(64, 0);
    std::fill(image.begin(), image.begin() + 31, 75);
  }
  EXPECT_TRUE(indexBytes(s, images, 8, 1.0f));
  EXPECT_TRUE(s.active);
  // All zero: sparse, with nothing to add.
  for (auto& image : images) image.assign(64, 0);
  EXPECT_TRUE(indexBytes(s, images, 8, 1.0f));
  EXPECT_TRUE(s.active);
  EXPECT_EQ(s.sampleStart[8], 0);
}

TEST(SparseInputs, CombinesRowsOfEveryWidthLikeTheDenseSum) {
  Rng rng(7);
  const int rows = 50;
  for (int n : {1, 3, 4, 15, 16, 17, 30, 64, 75, 100, 128, 131, 200, 300}) {
    std::vector<float> base(static_cast<size_t>(rows) * n);
    for (auto& v : base) v = float(rng.uniform() - 0.5);
    const std::vector<int> index{2, 7, 8, 30, 49};
    const std::vector<float> value{0.5f, -1.25f, 2.0f, 0.125f, 1.0f};
    std::vector<float> expect(n, 0.0f);
    for (size_t k = 0; k < index.size(); ++k)
      for (int c = 0; c < n; ++c) expect[c] += value[k] * base[index[k] * n + c];
    std::vector<float> out(n + 1, 42.0f);  // the extra one must stay untouched
    combineRows(base.data(), n, n, index.data(), value.data(), int(index.size()), -2.0f, out.data(), false);
    for (int c = 0; c < n; ++c) EXPECT_NEAR(out[c], -2.0f * expect[c], 1e-5) << "n = " << n << ", column " << c;
    EXPECT_EQ(out[n], 42.0f);
    combineRows(base.data(), n, n, index.data(), value.data(), int(index.size()), 1.0f, out.data(), true);
    for (int c = 0; c < n; ++c) EXPECT_NEAR(out[c], -expect[c], 1e-5) << "n = " << n << ", column " << c;
  }
}

// The same training, once through the Trainer (sparse first layer on real digits) and once
// through the dense products, batch by batch in file order.
Network denseReference(const TrainConfig& c, const Dataset& set, int batches) {
  Rng rng(c.seed);
  Network net = makeNetwork(c.networkSpec(), rng).value();
  Workspace<Scalar> ws;
  ws.resize(net, c.batchSize, false);
  GradientsT<Scalar> g;
  g.resize(net);
  for (int b = 0; b < batches; ++b) {
    for (int j = 0; j < c.batchSize; ++j) {
      const size_t s = static_cast<size_t>(b) * c.batchSize + j;
      for (int i = 0; i < set.features(); ++i) ws.a[0](i, j) = Scalar(set.image(s)[i]) / Scalar(255);
    }
    ws.sparse.active = false;
    ws.target.setZero();
    for (int j = 0; j < c.batchSize; ++j) ws.target(set.labels[static_cast<size_t>(b) * c.batchSize + j], j) = 1;
    forward(net, ws, c.batchSize);
    outputError(net, ws, c.batchSize);
    backward(net, ws, c.batchSize, g, true);
    for (size_t l = 0; l < net.layers.size(); ++l) {
      net.layers[l].weights -= Scalar(c.learningRate) * g.weights[l];
      if (net.layers[l].hasBias()) net.layers[l].bias -= Scalar(c.learningRate) * g.bias[l];
    }
  }
  return net;
}

TEST(SparseInputs, EveryUpdatePathTrainsLikeTheDenseProducts) {
  auto digits = testing::fixtureDigits("train");
  ASSERT_TRUE(digits) << "fixture missing: tests/fixtures/digits";
  // The same digits with the first half of every batch of 64 inverted (255 − pixel: dense), so
  // with two threads one thread's part takes the dense products and the other's the sparse.
  auto mixed = std::make_shared<Dataset>(*digits);
  for (size_t s = 0; s < mixed->count(); ++s)
    if (s % 64 < 32)
      for (int i = 0; i < mixed->features(); ++i) mixed->images[s * mixed->features() + i] ^= 0xFF;
  TrainConfig c;
  c.layers = {784, 30, 10};  // 30 hidden units: the narrower column blocks and the scalar tail
  c.bias = true;
  c.init = Init::Uniform;
  c.learningRate = 0.05;
  c.batchSize = 64;
  c.shuffle = false;
  c.epochs = 1;
  c.limit = 64 * 6;
  const int batches = 6;
  struct Path {
    const char* name;
    int threads;
    Optimizer optimizer;
  };
  for (const auto& [dataName, data] : {std::pair{"digits", digits}, std::pair{"half-dense digits", mixed}}) {
    const Network reference = denseReference(c, *data, batches);
    for (const Path& p : {Path{"fused one-thread SGD", 1, Optimizer::Sgd}, Path{"two-thread SGD", 2, Optimizer::Sgd},
                          Path{"gradient buffers (momentum 0)", 2, Optimizer::Momentum}}) {
      TrainConfig pc = c;
      pc.threads = p.threads;
      pc.optimizer = p.optimizer;
      pc.momentum = 0;
      auto t = Trainer::create(pc, data, nullptr);
      ASSERT_TRUE(t) << t.error();
      (*t)->train(batches);
      const Network& net = (*t)->network();
      for (size_t l = 0; l < net.layers.size(); ++l) {
        const float diff = (net.layers[l].weights - reference.layers[l].weights).cwiseAbs().maxCoeff();
        const float scale = reference.layers[l].weights.cwiseAbs().maxCoeff();
        EXPECT_LT(diff, 1e-5f * scale) << dataName << ", " << p.name << ", layer " << l;
        EXPECT_LT((net.layers[l].bias - reference.layers[l].bias).cwiseAbs().maxCoeff(), 1e-5f)
            << dataName << ", " << p.name;
      }
      // And it learnt something: the weights moved.
      Rng rng(c.seed);
      const Network start = makeNetwork(c.networkSpec(), rng).value();
      EXPECT_GT((net.layers[0].weights - start.layers[0].weights).cwiseAbs().maxCoeff(), 1e-3f) << p.name;
    }
  }
}

}  // namespace
}  // namespace digitrain
