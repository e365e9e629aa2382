// Dataset pairing tests: the mistakes people make choosing files by hand (swapped files,
// files from different sets, foreign labels) and the committed digits fixture end to end.
#include "dataset.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "gzip.h"
#include "idx.h"
#include "test_util.h"

namespace digitrain {
namespace {

using testing::contains;
using testing::typed;

const char* kImages = "train-images-idx3-ubyte";
const char* kLabels = "train-labels-idx1-ubyte";

IdxArray images(uint32_t count, uint32_t rows = 4, uint32_t cols = 3) {
  IdxArray a;
  a.dims = {count, rows, cols};
  a.data.resize(static_cast<size_t>(count) * rows * cols);
  for (size_t i = 0; i < a.data.size(); ++i) a.data[i] = static_cast<uint8_t>(i * 13);
  return a;
}

IdxArray labels(std::vector<uint8_t> values) {
  IdxArray a;
  a.dims = {static_cast<uint32_t>(values.size())};
  a.data = std::move(values);
  return a;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(DatasetMake, PairsImagesAndLabels) {
  auto r = makeDataset(images(3), kImages, labels({7, 0, 9}), kLabels);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->count(), 3u);
  EXPECT_EQ(r->rows, 4);
  EXPECT_EQ(r->cols, 3);
  EXPECT_EQ(r->features(), 12);
  EXPECT_EQ(r->labels, (std::vector<uint8_t>{7, 0, 9}));
  EXPECT_EQ(r->images, images(3).data);
  EXPECT_EQ(r->image(2)[0], static_cast<uint8_t>(24 * 13));
}

TEST(DatasetMake, MovingTheImagesGivesTheSameSetAsCopying) {
  const IdxArray kept = images(5);
  auto copied = makeDataset(kept, kImages, labels({1, 2, 3, 4, 5}), kLabels);
  IdxArray given = images(5);
  auto moved = makeDataset(std::move(given), kImages, labels({1, 2, 3, 4, 5}), kLabels);
  ASSERT_TRUE(copied.ok() && moved.ok());
  EXPECT_EQ(copied->images, moved->images);
  EXPECT_EQ(kept.data, images(5).data);  // the const overload leaves its input alone
}

TEST(DatasetMake, LabelsAsCountByOne) {
  IdxArray l = labels({1, 2});
  l.dims = {2, 1};
  auto r = makeDataset(images(2), kImages, l, kLabels);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->labels, (std::vector<uint8_t>{1, 2}));
}

TEST(DatasetMake, CountMismatchNamesBothFilesAndCounts) {
  auto r = makeDataset(images(5), "t10k-images-idx3-ubyte", labels({1, 2, 3}), kLabels);
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error();
  EXPECT_TRUE(contains(e, "t10k-images-idx3-ubyte has 5 images")) << e;
  EXPECT_TRUE(contains(e, "train-labels-idx1-ubyte has 3 labels")) << e;
}

TEST(DatasetMake, LabelTenIsRefusedWithItsIndex) {
  auto r = makeDataset(images(4), kImages, labels({1, 2, 10, 3}), kLabels);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "train-labels-idx1-ubyte: label 10 at index 2 is not a digit 0..9");
}

TEST(DatasetMake, ImagesGivenAsLabels) {
  auto r = makeDataset(images(3), kImages, images(3), "t10k-images-idx3-ubyte");
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error();
  EXPECT_TRUE(startsWith(e, "t10k-images-idx3-ubyte: ")) << e;
  EXPECT_TRUE(contains(e, "looks like an images file")) << e;
  EXPECT_TRUE(contains(e, "[3, 4, 3]")) << e;
}

TEST(DatasetMake, SwappedFiles) {
  auto r = makeDataset(labels({1, 2, 3}), kLabels, images(3), kImages);
  ASSERT_FALSE(r.ok());
  const std::string& e = r.error();
  EXPECT_TRUE(startsWith(e, "train-labels-idx1-ubyte: images are not 2-D per sample: dimensions are [3]")) << e;
  EXPECT_TRUE(contains(e, "swapped")) << e;
  EXPECT_TRUE(contains(e, kImages)) << e;
}

TEST(DatasetMake, OneDimensionalImages) {
  IdxArray flat = labels({1, 2, 3, 4});
  auto r = makeDataset(flat, "flat-images", labels({1, 2, 3, 4}), kLabels);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "flat-images: images are not 2-D per sample: dimensions are [4]")) << r.error();
}

TEST(DatasetMake, FlattenedImagesRank2) {
  IdxArray flat = images(2);
  flat.dims = {2, 12};
  auto r = makeDataset(flat, "flat-images", labels({1, 2}), kLabels);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "flat-images: images are not 2-D per sample: dimensions are [2, 12]")) << r.error();
}

TEST(DatasetMake, RankFourImages) {
  IdxArray nhwc = images(2);
  nhwc.dims = {2, 4, 3, 1};
  auto r = makeDataset(nhwc, "nhwc", labels({1, 2}), kLabels);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error(), "[2, 4, 3, 1]")) << r.error();
}

TEST(DatasetMake, OtherIntegerTypesAreAccepted) {
  const std::vector<int32_t> pix(2 * 2 * 2, 200);
  const std::vector<int16_t> lab{3, 9};
  auto r = makeDataset(typed(IdxType::I32, {2, 2, 2}, pix), kImages, typed(IdxType::I16, {2}, lab), kLabels);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->labels, (std::vector<uint8_t>{3, 9}));
  EXPECT_EQ(r->images, std::vector<uint8_t>(8, 200));

  const std::vector<float> fpix{0, 1, 2, 255};
  const std::vector<double> flab{4};
  auto f = makeDataset(typed(IdxType::F32, {1, 2, 2}, fpix), kImages, typed(IdxType::F64, {1}, flab), kLabels);
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(f->images, (std::vector<uint8_t>{0, 1, 2, 255}));
}

TEST(DatasetMake, NonIntegerOrOutOfRangeValuesAreRefused) {
  const std::vector<float> scaled{0, 0.5f, 1, 0};
  auto r = makeDataset(typed(IdxType::F32, {1, 2, 2}, scaled), "scaled-images", labels({1}), kLabels);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "scaled-images: pixel value 0.5 (image 0, pixel 1)")) << r.error();

  const std::vector<int16_t> negative{0, 0, -1, 0, 0, 0, 0, 0};
  auto n = makeDataset(typed(IdxType::I16, {2, 2, 2}, negative), "neg-images", labels({1, 2}), kLabels);
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(startsWith(n.error(), "neg-images: pixel value -1 (image 0, pixel 2)")) << n.error();

  const std::vector<int8_t> lab{1, -3};
  auto l = makeDataset(images(2), kImages, typed(IdxType::I8, {2}, lab), "signed-labels");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error(), "signed-labels: label -3 at index 1 is not a digit 0..9");

  const std::vector<float> half{2.5f};
  auto h = makeDataset(images(1), kImages, typed(IdxType::F32, {1}, half), "float-labels");
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(contains(h.error(), "label 2.5 at index 0")) << h.error();
}

TEST(DatasetMake, HandBuiltArrayWithMissingBytes) {
  IdxArray short_ = images(3);
  short_.data.resize(10);
  auto r = makeDataset(short_, kImages, labels({1, 2, 3}), kLabels);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), std::string(kImages) + ": holds 10 bytes")) << r.error();
}

TEST(DatasetSlice, HeadAndSlice) {
  auto set = makeDataset(images(5), kImages, labels({0, 1, 2, 3, 4}), kLabels);
  ASSERT_TRUE(set.ok()) << set.error();

  Dataset h = head(*set, 2);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.rows, 4);
  EXPECT_EQ(h.labels, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(h.images.size(), 2u * 12);

  Dataset s = slice(*set, 1, 4);
  EXPECT_EQ(s.labels, (std::vector<uint8_t>{1, 2, 3}));
  ASSERT_EQ(s.images.size(), 3u * 12);
  EXPECT_EQ(0, std::memcmp(s.image(0), set->image(1), 12));
  EXPECT_EQ(0, std::memcmp(s.image(2), set->image(3), 12));

  EXPECT_EQ(head(*set, 99).count(), 5u);
  EXPECT_EQ(slice(*set, 4, 99).count(), 1u);
  EXPECT_EQ(slice(*set, 7, 9).count(), 0u);
  EXPECT_EQ(slice(*set, 3, 2).count(), 0u);
}

Expected<IdxArray> loadFixture(const std::string& relative) {
  const std::string path = std::string(DIGITRAIN_FIXTURES) + "/" + relative;
  auto bytes = readFileMaybeGzip(path);
  if (!bytes) return fail(bytes.error());
  return parseIdx(bytes->data(), bytes->size(), path);
}

TEST(DatasetFixtures, DigitsLoadAndAreMixed) {
  for (auto [prefix, expected] : {std::pair<std::string, size_t>{"train", 3000}, {"t10k", 1000}}) {
    auto im = loadFixture("digits/" + prefix + "-images-idx3-ubyte.gz");
    auto lb = loadFixture("digits/" + prefix + "-labels-idx1-ubyte.gz");
    ASSERT_TRUE(im.ok()) << im.error();
    ASSERT_TRUE(lb.ok()) << lb.error();
    auto set = makeDataset(*im, prefix + "-images", *lb, prefix + "-labels");
    ASSERT_TRUE(set.ok()) << set.error();
    EXPECT_EQ(set->count(), expected);
    EXPECT_EQ(set->rows, 28);
    EXPECT_EQ(set->cols, 28);
    // The package groups digits by class; the fixture is shuffled, so any 100 in a row
    // hold every class and an image has ink.
    std::vector<int> seen(10, 0);
    for (size_t i = 0; i < 100; ++i) ++seen[set->labels[i]];
    for (int d = 0; d < 10; ++d) EXPECT_GT(seen[d], 0) << prefix << " digit " << d;
    int ink = 0;
    for (int p = 0; p < set->features(); ++p) ink += set->image(0)[p] > 128;
    EXPECT_GT(ink, 20);
  }
}

TEST(DatasetFixtures, MalformedFilesFailWithTheirName) {
  struct Case {
    const char* file;
    const char* words;
  };
  const Case cases[] = {
      {"truncated-images-idx3-ubyte", "truncated: expected 7840 bytes of payload, got 100"},
      {"png-magic-idx3-ubyte", "this looks like a PNG image"},
      {"empty-idx1-ubyte", "empty file"},
      {"truncated-labels-idx1-ubyte.gz", "ends before the end of the gzip stream"},
  };
  for (const Case& c : cases) {
    auto r = loadFixture(std::string("malformed/") + c.file);
    ASSERT_FALSE(r.ok()) << c.file;
    EXPECT_TRUE(contains(r.error(), std::string("malformed/") + c.file + ": ")) << r.error();
    EXPECT_TRUE(contains(r.error(), c.words)) << r.error();
  }

  auto labelsWith12 = loadFixture("malformed/label-12-idx1-ubyte");
  ASSERT_TRUE(labelsWith12.ok()) << labelsWith12.error();
  auto set = makeDataset(images(5, 28, 28), kImages, *labelsWith12, "label-12-idx1-ubyte");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error(), "label-12-idx1-ubyte: label 12 at index 3 is not a digit 0..9");
}

}  // namespace
}  // namespace digitrain
