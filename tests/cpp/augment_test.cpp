// Augmentation (cpp/core/augment.h): the transforms themselves (identity, exact shifts and
// quarter turns, the Gaussian, the elastic field's bounds and smoothness), their determinism
// from (seed, epoch, sample), and training with them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "augment.h"
#include "presets.h"
#include "test_util.h"
#include "trainer.h"

namespace digitrain {
namespace {

using testing::fixtureDigits;
using testing::syntheticDigits;

constexpr int kSide = 28, kPixels = kSide * kSide;

std::vector<uint8_t> warped(const uint8_t* in, const Warp& w) {
  std::vector<uint8_t> out(kPixels);
  warpImage(in, kSide, kSide, w, out.data());
  return out;
}

std::vector<uint8_t> noiseImage(uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> px(kPixels);
  for (uint8_t& p : px) p = static_cast<uint8_t>(rng.below(256));
  return px;
}

TrainConfig augmentedConfig() {
  TrainConfig c;
  c.augment = true;
  c.augmentShift = 2;
  c.augmentRotation = 12;
  c.augmentScale = 0.1;
  c.augmentShear = 0.2;
  c.elasticAlpha = 30;
  c.elasticSigma = 4;
  c.seed = 11;
  return c;
}

TEST(Augment, IdentityLeavesTheBytesUnchanged) {
  const auto in = noiseImage(1);
  EXPECT_EQ(warped(in.data(), affineWarp({})), in);
  // Through the Augmenter too: every range 0, or the switch off.
  TrainConfig c = augmentedConfig();
  c.augmentShift = c.augmentRotation = c.augmentScale = c.augmentShear = c.elasticAlpha = 0;
  EXPECT_FALSE(augments(c));
  Augmenter off(c, kSide, kSide);
  Augmenter::Scratch scratch;
  std::vector<uint8_t> out(kPixels);
  off.apply(in.data(), out.data(), 3, 5, scratch);
  EXPECT_EQ(out, in);
}

TEST(Augment, AShiftMovesInkByExactlyThatManyPixels) {
  const auto in = noiseImage(2);
  for (const auto& [dx, dy] : {std::pair{3, -2}, {-5, 4}, {1, 0}, {0, -7}}) {
    AffineParams p;
    p.shiftX = dx;
    p.shiftY = dy;
    const auto out = warped(in.data(), affineWarp(p));
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x) {
        const int sx = x - dx, sy = y - dy;
        const bool inside = sx >= 0 && sy >= 0 && sx < kSide && sy < kSide;
        ASSERT_EQ(out[y * kSide + x], inside ? in[sy * kSide + sx] : 0)
            << "shift (" << dx << ", " << dy << ") at (" << x << ", " << y << ")";
      }
  }
}

TEST(Augment, AQuarterTurnPermutesThePixels) {
  // The ink turns 90° clockwise on screen (y points down) about the centre (13.5, 13.5):
  // out(x, y) = in(y, 27 − x).
  const auto in = noiseImage(3);
  AffineParams p;
  p.rotation = 90;
  const auto out = warped(in.data(), affineWarp(p));
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) ASSERT_EQ(out[y * kSide + x], in[(kSide - 1 - x) * kSide + y]);
}

TEST(Augment, ScalingMultipliesTheInkByTheScaleSquared) {
  auto digits = fixtureDigits("train");
  ASSERT_TRUE(digits);
  // A digit's ink scaled by s about the image centre covers s² its area: its mass (Σ pixels)
  // grows by ~s² (the digit stays inside the image).
  const uint8_t* in = digits->image(0);
  AffineParams p;
  p.scale = 1.25;
  const auto out = warped(in, affineWarp(p));
  const auto mass = [](const uint8_t* px) { return std::accumulate(px, px + kPixels, 0.0); };
  EXPECT_NEAR(mass(out.data()) / mass(in), 1.25 * 1.25, 0.08);
}

// The sampler as defined, pixel by pixel: every output pixel's source from the map and the
// field at that pixel, its four neighbours read wherever they lie (0 outside the image), no
// pixel skipped. warpImage must give exactly these bytes while it skips the background.
std::vector<uint8_t> referenceWarp(const uint8_t* in, const Warp& w, const int32_t* dx, const int32_t* dy) {
  const auto at = [&](int64_t x, int64_t y) -> int64_t {
    return x < 0 || y < 0 || x >= kSide || y >= kSide ? 0 : in[y * kSide + x];
  };
  const int64_t one = kFixedOne, centre2 = int64_t(kSide - 1) * one;
  const auto roundShift = [](int64_t v, int s) { return (v + (int64_t(1) << (s - 1))) >> s; };
  std::vector<uint8_t> out(kPixels);
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < kSide; ++x) {
      const int64_t u = int64_t(2 * x) * one - centre2 - 2 * w.shiftX;
      const int64_t v = int64_t(2 * y) * one - centre2 - 2 * w.shiftY;
      int64_t sx = roundShift(w.a[0] * u + w.a[1] * v + centre2 * one, kFixedBits + 1);
      int64_t sy = roundShift(w.a[2] * u + w.a[3] * v + centre2 * one, kFixedBits + 1);
      if (dx) {
        sx += dx[y * kSide + x];
        sy += dy[y * kSide + x];
      }
      const int64_t ix = sx >> kFixedBits, iy = sy >> kFixedBits, fx = sx & (one - 1), fy = sy & (one - 1);
      const int64_t top = at(ix, iy) * (one - fx) + at(ix + 1, iy) * fx;
      const int64_t bottom = at(ix, iy + 1) * (one - fx) + at(ix + 1, iy + 1) * fx;
      out[y * kSide + x] = static_cast<uint8_t>(roundShift(top * (one - fy) + bottom * fy, 2 * kFixedBits));
    }
  return out;
}

TEST(Augment, SkippingTheBackgroundChangesNoByte) {
  auto digits = fixtureDigits("train");
  ASSERT_TRUE(digits);
  // Digits, noise filling the whole image (ink at every border), a lone pixel in a corner, and
  // an empty image; affine maps alone and with fields on each grid spacing (σ 2, 5, 8); wide
  // ranges, so that sources leave the image and maps flip the ink over.
  std::vector<std::vector<uint8_t>> images;
  for (size_t i = 0; i < 150; ++i) images.emplace_back(digits->image(i), digits->image(i) + kPixels);
  images.push_back(noiseImage(4));
  images.emplace_back(kPixels, 0);
  images.back()[kPixels - 1] = 200;
  images.emplace_back(kPixels, 0);
  for (const double sigma : {0.0, 2.0, 5.0, 8.0}) {
    TrainConfig c = augmentedConfig();
    c.augmentShift = 6;
    c.augmentRotation = 90;
    c.augmentScale = 0.5;
    c.augmentShear = 1;
    const Augmenter augmenter(c, kSide, kSide);
    const int spacing = sigma > 0 ? elasticSpacing(sigma) : 1;
    const auto kernel = sigma > 0 ? gaussianKernel(sigma / spacing) : std::vector<int32_t>{};
    const int side = elasticGridSide(kSide, spacing);
    std::vector<int32_t> gridX(size_t(side) * side), gridY(gridX.size()), fieldX(kPixels), fieldY(kPixels);
    ElasticScratch es;
    std::vector<uint8_t> out(kPixels);
    WarpScratch padded;
    Rng rng(77);
    for (const auto& in : images)
      for (int k = 0; k < 3; ++k) {
        Warp w = affineWarp(augmenter.draw(rng));
        if (sigma == 0) {
          warpImage(in.data(), kSide, kSide, w, out.data(), padded);
          ASSERT_EQ(out, referenceWarp(in.data(), w, nullptr, nullptr));
          continue;
        }
        Rng again = rng;
        elasticField(again, kernel, spacing, 34, kSide, kSide, fieldX.data(), es);
        elasticField(again, kernel, spacing, 34, kSide, kSide, fieldY.data(), es);
        // Two statements: x's field is drawn first.
        const int32_t reachX = elasticGrid(rng, kernel, spacing, 34, kSide, kSide, gridX.data(), es);
        const int32_t reachY = elasticGrid(rng, kernel, spacing, 34, kSide, kSide, gridY.data(), es);
        w.reach = std::max(reachX, reachY);
        w.dx = gridX.data();
        w.dy = gridY.data();
        w.spacing = spacing;
        w.gridCols = side;
        warpImage(in.data(), kSide, kSide, w, out.data(), padded);
        ASSERT_EQ(out, referenceWarp(in.data(), w, fieldX.data(), fieldY.data())) << "σ " << sigma;
      }
  }
}

TEST(Augment, TheGaussianSumsToOneAndIsSymmetric) {
  for (const double sigma : {0.5, 1.0, 4.0, 6.5, 10.0}) {
    const auto k = gaussianKernel(sigma);
    const int r = static_cast<int>(k.size() / 2);
    EXPECT_EQ(r, static_cast<int>(std::ceil(3 * sigma)));
    EXPECT_EQ(std::accumulate(k.begin(), k.end(), int32_t(0)), kKernelOne) << "σ " << sigma;
    for (int i = 1; i <= r; ++i) {
      EXPECT_EQ(k[r - i], k[r + i]);
      EXPECT_LE(k[r + i], k[r + i - 1]);
    }
  }
  // exp(−1/2) / Σ: the unit Gaussian's neighbour over its peak is e^(−1/2), within the rounding.
  const auto k = gaussianKernel(1.0);
  EXPECT_NEAR(double(k[4]) / double(k[3]), 0.6065306597, 1e-4);
}

TEST(Augment, ElasticFieldsAreBoundedAndSmooth) {
  for (const double sigma : {2.0, 4.0, 5.0, 8.0}) {
    const double alpha = 34;
    const int spacing = elasticSpacing(sigma);
    EXPECT_EQ(spacing, sigma < 4 ? 1 : sigma < 8 ? 2 : 4);
    const auto kernel = gaussianKernel(sigma / spacing);
    // Each pass averages values in [−1, 1]/spacing (|d| ≤ α), and the step between grid
    // neighbours is at most α/spacing times the kernel's total variation Σ|k[i+1] − k[i]| (the
    // other pass only averages such steps); between pixels, a 1/spacing share of that.
    double variation = double(kernel.front() + kernel.back());
    for (size_t i = 0; i + 1 < kernel.size(); ++i) variation += std::abs(kernel[i + 1] - kernel[i]);
    variation /= double(kKernelOne);
    const double onePixel = double(kFixedOne);
    Rng rng(42);
    std::vector<int32_t> field(kPixels);
    ElasticScratch scratch;
    double largest = 0, largestStep = 0, sumSquares = 0;
    const int trials = 50;
    for (int trial = 0; trial < trials; ++trial) {
      elasticField(rng, kernel, spacing, alpha, kSide, kSide, field.data(), scratch);
      for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < kSide; ++x) {
          const double d = field[y * kSide + x] / onePixel;
          largest = std::max(largest, std::abs(d));
          sumSquares += d * d;
          ASSERT_LE(std::abs(d), alpha + 1e-3);
          if (x + 1 < kSide) largestStep = std::max(largestStep, std::abs(field[y * kSide + x + 1] / onePixel - d));
          if (y + 1 < kSide) largestStep = std::max(largestStep, std::abs(field[(y + 1) * kSide + x] / onePixel - d));
        }
    }
    EXPECT_LE(largestStep, alpha * variation / (spacing * spacing) + 1e-3) << "σ " << sigma;
    // Not flat: white noise smoothed by a Gaussian of width σ has a standard deviation of
    // about (1/√3)/(2σ√π) away from the edges (where the zeros outside pull it down), on the
    // grid as at every pixel: the spread is the same whichever spacing draws it.
    const double spread = std::sqrt(sumSquares / (trials * kPixels)) / alpha;
    const double expected = 1 / std::sqrt(3.0) / (2 * sigma * std::sqrt(3.14159265358979));
    EXPECT_GT(spread, 0.5 * expected) << "σ " << sigma;
    EXPECT_LT(spread, 1.2 * expected) << "σ " << sigma;
    EXPECT_LT(largest, alpha / 2) << "σ " << sigma;
  }
}

TEST(Augment, SameSeedEpochAndSampleGiveTheSameBytesAndOthersDiffer) {
  auto digits = fixtureDigits("train");
  ASSERT_TRUE(digits);
  const TrainConfig c = augmentedConfig();
  Augmenter a(c, kSide, kSide), b(c, kSide, kSide);
  Augmenter::Scratch sa, sb;
  std::vector<uint8_t> x(kPixels), y(kPixels);
  a.apply(digits->image(7), x.data(), 2, 7, sa);
  b.apply(digits->image(7), y.data(), 2, 7, sb);
  EXPECT_EQ(x, y);
  const std::vector<uint8_t> original(digits->image(7), digits->image(7) + kPixels);
  EXPECT_NE(x, original);
  b.apply(digits->image(7), y.data(), 3, 7, sb);  // the next epoch
  EXPECT_NE(x, y);
  b.apply(digits->image(7), y.data(), 2, 8, sb);  // another sample's draw
  EXPECT_NE(x, y);
  TrainConfig other = c;
  other.seed = 12;
  Augmenter(other, kSide, kSide).apply(digits->image(7), y.data(), 2, 7, sb);
  EXPECT_NE(x, y);
}

TEST(Augment, DistortedDigitsStaySparse) {
  // The sparse first layer indexes a chunk only while at most half its pixels are non-zero.
  auto digits = fixtureDigits("train");
  ASSERT_TRUE(digits);
  Augmenter a(augmentedConfig(), kSide, kSide);
  Augmenter::Scratch scratch;
  std::vector<uint8_t> out(kPixels);
  size_t before = 0, after = 0;
  const size_t n = 500;
  for (size_t i = 0; i < n; ++i) {
    a.apply(digits->image(i), out.data(), 0, static_cast<uint32_t>(i), scratch);
    before +=
        static_cast<size_t>(std::count_if(digits->image(i), digits->image(i) + kPixels, [](uint8_t p) { return p; }));
    after += static_cast<size_t>(std::count_if(out.begin(), out.end(), [](uint8_t p) { return p; }));
  }
  EXPECT_LT(double(after) / double(n * kPixels), 0.5);
  EXPECT_GT(after, before);  // bilinear sampling spreads the strokes' edges
}

TrainConfig smallAugmentedRun() {
  TrainConfig c = augmentedConfig();
  c.layers = {784, 16, 10};
  c.hidden = Activation::Relu;
  c.bias = true;
  c.reduction = Reduction::Mean;
  c.learningRate = 0.05;
  c.batchSize = 40;
  c.epochs = 2;
  return c;
}

TEST(Augment, SameSeedGivesTheSameWeightsOnOneAndTwoThreads) {
  auto data = syntheticDigits(200, 3);
  for (const int threads : {1, 2}) {
    TrainConfig c = smallAugmentedRun();
    c.threads = threads;
    auto a = testing::trained(c, data), b = testing::trained(c, data);
    EXPECT_TRUE(testing::sameWeights(a->network(), b->network())) << threads << " threads";
    c.augment = false;
    EXPECT_FALSE(testing::sameWeights(a->network(), testing::trained(c, data)->network())) << threads << " threads";
  }
}

TEST(Augment, ADistortionDependsOnTheSampleNotOnTheThreadCount) {
  // One and two threads see the same distorted digits: their weights differ only by the
  // grouping of the per-thread sums.
  auto data = syntheticDigits(200, 4);
  TrainConfig c = smallAugmentedRun();
  c.threads = 1;
  auto one = testing::trained(c, data);
  c.threads = 2;
  auto two = testing::trained(c, data);
  for (size_t l = 0; l < one->network().layers.size(); ++l)
    EXPECT_LT((one->network().layers[l].weights - two->network().layers[l].weights).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(Augment, OffForEveryLabPreset) {
  for (const Preset& p : presets())
    if (p.name != "best-augmented" && p.name != "best-cnn") {
      EXPECT_FALSE(p.config.augment) << p.name;
    }
  EXPECT_FALSE(TrainConfig{}.augment);
}

}  // namespace
}  // namespace digitrain
