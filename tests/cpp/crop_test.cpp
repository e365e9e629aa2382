// Random crops (crop.h): the offsets ConvNetJS draws, repeatable from their keys; the window
// copied; the checks; training on windows and predicting from the mean of kCropViews of them,
// the same for a dataset's digit, a model file and a drawing.
#include <gtest/gtest.h>

#include <set>

#include "crop.h"
#include "model_io.h"
#include "session.h"
#include "test_util.h"
#include "trainer.h"

namespace digitrain {
namespace {

using testing::contains;
using testing::syntheticDigits;

TEST(Crop, OffsetsCoverZeroToSideMinusCropMinusOneLikeConvNetJs) {
  std::set<int> xs, ys;
  for (uint64_t sample = 0; sample < 400; ++sample) {
    const CropOffset at = trainingCropOffset(1, 0, sample, 28, 24);
    xs.insert(at.x);
    ys.insert(at.y);
  }
  EXPECT_EQ(xs, (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(ys, (std::set<int>{0, 1, 2, 3}));
}

TEST(Crop, OffsetsFollowTheirKeysOnly) {
  int sameEpoch = 0, otherEpoch = 0, otherSeed = 0, views = 0;
  for (uint64_t s = 0; s < 200; ++s) {
    const CropOffset a = trainingCropOffset(7, 3, s, 28, 20), b = trainingCropOffset(7, 3, s, 28, 20);
    sameEpoch += a.x == b.x && a.y == b.y;
    const CropOffset e = trainingCropOffset(7, 4, s, 28, 20), k = trainingCropOffset(8, 3, s, 28, 20);
    otherEpoch += a.x != e.x || a.y != e.y;
    otherSeed += a.x != k.x || a.y != k.y;
    const CropOffset v0 = predictionCropOffset(s, 0, 28, 20), v1 = predictionCropOffset(s, 1, 28, 20);
    views += v0.x != v1.x || v0.y != v1.y;
    EXPECT_EQ(predictionCropOffset(s, 2, 28, 20).x, predictionCropOffset(s, 2, 28, 20).x);
  }
  EXPECT_EQ(sameEpoch, 200);
  // 8 × 8 positions: two independent draws coincide 1 time in 64.
  EXPECT_GT(otherEpoch, 150);
  EXPECT_GT(otherSeed, 150);
  EXPECT_GT(views, 150);
}

TEST(Crop, CopiesTheWindowRowByRow) {
  std::vector<uint8_t> image(5 * 5);
  for (int i = 0; i < 25; ++i) image[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> out(3 * 3);
  cropImage(image.data(), 5, {2, 1}, 3, out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{7, 8, 9, 12, 13, 14, 17, 18, 19}));
}

TEST(Crop, ChecksNameTheSettingAndTheSizes) {
  EXPECT_TRUE(checkCrop(24, 576, 28, 28).ok());
  EXPECT_TRUE(checkCrop(0, 784, 28, 28).ok());
  EXPECT_TRUE(contains(checkCrop(24, 784, 28, 28).error(), "--crop 24 the network reads 24×24 = 576 inputs"));
  EXPECT_TRUE(contains(checkCrop(28, 784, 28, 28).error(), "--crop: a 28×28 crop needs images larger"));
  EXPECT_TRUE(contains(checkCrop(10, 100, 28, 20).error(), "square images"));
}

TrainConfig smallCroppedRun() {
  TrainConfig c;
  c.layers = {400, 10};
  c.front = {*parseFrontSpec("conv3x2"), *parseFrontSpec("pool2")};
  c.hidden = Activation::Relu;
  c.bias = true;
  c.reduction = Reduction::Mean;
  c.learningRate = 0.1;
  c.batchSize = 20;
  c.epochs = 2;
  c.crop = 20;
  c.threads = 1;
  return c;
}

std::unique_ptr<Trainer> trained(const TrainConfig& c, std::shared_ptr<Dataset> train,
                                 std::shared_ptr<Dataset> test = nullptr) {
  auto t = Trainer::create(c, std::move(train), std::move(test));
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error());
  t.value()->train(100000);
  return std::move(t.value());
}

bool sameFront(const Network& a, const Network& b) {
  for (size_t l = 0; l < a.front.size(); ++l)
    if (a.front[l].weights != b.front[l].weights) return false;
  return a.layers[0].weights == b.layers[0].weights;
}

TEST(Crop, TrainingIsRepeatableAndTheCropsMatter) {
  auto data = syntheticDigits(120, 5, 24);
  for (const int threads : {1, 2}) {
    TrainConfig c = smallCroppedRun();
    c.threads = threads;
    c.batchSize = 40;  // enough for two threads to share
    auto a = trained(c, data), b = trained(c, data);
    EXPECT_TRUE(sameFront(a->network(), b->network())) << threads << " threads";
    c.seed = 2;  // other windows (and other initial weights)
    EXPECT_FALSE(sameFront(a->network(), trained(c, data)->network())) << threads << " threads";
  }
}

TEST(Crop, TheNetworkMustReadTheWindow) {
  auto data = syntheticDigits(40, 5, 24);
  TrainConfig c = smallCroppedRun();
  c.layers = {576, 10};
  auto t = Trainer::create(c, data, nullptr);
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(contains(t.error(), "--crop 20 the network reads 20×20 = 400 inputs, but it has 576"));
}

// Evaluation, the model file and a drawing read a digit the same way: the mean output of the
// digit's kCropViews windows.
TEST(Crop, EvaluationModelFileAndPredictionAgree) {
  auto train = syntheticDigits(120, 5, 24), test = syntheticDigits(30, 6, 24);
  auto t = trained(smallCroppedRun(), train, test);
  const Evaluation ev = t->evaluate(Split::Test, true);
  ASSERT_EQ(ev.count, 30u);

  Model m;
  m.network = t->network();
  m.config = t->config();
  m.inputRows = m.inputCols = networkSide(m.config->crop, test->rows);
  auto loaded = modelFromJson(modelToJson(m), "crop.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->inputRows, 20);
  EXPECT_EQ(modelCrop(*loaded), 20);
  auto again = evaluateModel(loaded->network, "crop.json", *test, "test", 0, true, nullptr, modelCrop(*loaded));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->predicted, ev.predicted);

  int agreeing = 0;
  for (size_t i = 0; i < test->count(); ++i) {
    std::vector<float> pixels(test->features());
    for (size_t p = 0; p < pixels.size(); ++p) pixels[p] = float(test->image(i)[p]) / 255.0f;
    auto p = predictImage(loaded->network, modelCrop(*loaded), pixels, i);
    ASSERT_TRUE(p.ok()) << p.error();
    EXPECT_EQ(p->predicted, ev.predicted[i]) << i;
    for (int k = 0; k < 10; ++k)
      EXPECT_NEAR(p->outputs()[k], ev.probabilities[i * 10 + k], 1e-5) << i << " class " << k;
    agreeing += p->predicted == ev.predicted[i];
  }
  EXPECT_EQ(agreeing, 30);
  // A window alone is no digit for this model.
  auto wrong = predictImage(loaded->network, 20, std::vector<float>(400, 0.0f));
  ASSERT_FALSE(wrong.ok());
  EXPECT_TRUE(contains(wrong.error(), "reads 20×20 windows of a larger square image"));
}

}  // namespace
}  // namespace digitrain
