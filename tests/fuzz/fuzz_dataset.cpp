// libFuzzer target: two IDX buffers → parseIdx each → makeDataset, as the page and the CLI
// pair an images file with a labels file; plus arrays built by hand (not by parseIdx), which
// makeDataset must also survive.
//
// Input layout: [mode: 1 byte][n: 4 bytes, little-endian][images: n bytes][labels: the rest]
// (n is clamped to what is there). Mode bit 0 swaps the two buffers (the likeliest user
// mistake), bit 1 builds both arrays by hand from the same bytes instead of parsing them
// (see handBuilt), bits 2 and 3 drop the last payload byte of the images / labels array.
// Properties: never crashes, leaks or hits UB; errors name a file; an accepted dataset is
// self-consistent and holds exactly the input's values; head/slice stay in bounds.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "dataset.h"
#include "fuzz_common.h"
#include "idx.h"

using namespace digitrain;

namespace {

// [type: 1 byte, taken modulo the 6 types][rank: 1 byte, modulo 5, so 0 is possible]
// [rank × 4-byte big-endian dims][data: the rest]: no consistency between dims and data.
IdxArray handBuilt(const uint8_t* p, size_t n) {
  static const IdxType types[] = {IdxType::U8, IdxType::I8, IdxType::I16, IdxType::I32, IdxType::F32, IdxType::F64};
  IdxArray a;
  if (n < 2) return a;
  a.type = types[p[0] % 6];
  const size_t rank = p[1] % 5;
  p += 2;
  n -= 2;
  for (size_t k = 0; k < rank && n >= 4; ++k, p += 4, n -= 4)
    a.dims.push_back(uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
  a.data.assign(p, p + n);
  return a;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const uint8_t mode = data[0];
  uint32_t n = 0;
  std::memcpy(&n, data + 1, 4);  // the corpus is written little-endian; any order is fine
  data += 5;
  size -= 5;
  const size_t split = n < size ? n : size;
  const uint8_t* first = data;
  size_t firstSize = split;
  const uint8_t* second = data + split;
  size_t secondSize = size - split;
  if (mode & 1) {
    std::swap(first, second);
    std::swap(firstSize, secondSize);
  }

  IdxArray images, labels;
  if (mode & 2) {
    images = handBuilt(first, firstSize);
    labels = handBuilt(second, secondSize);
  } else {
    IdxLimits limits;
    limits.maxElements = uint64_t{1} << 20;
    limits.maxBytes = uint64_t{1} << 23;
    auto im = parseIdx(first, firstSize, "images.idx", limits);
    auto lb = parseIdx(second, secondSize, "labels.idx", limits);
    if (!im) FUZZ_CHECK(fuzz::startsWith(im.error(), "images.idx: "), im.error());
    if (!lb) FUZZ_CHECK(fuzz::startsWith(lb.error(), "labels.idx: "), lb.error());
    if (!im || !lb) return 0;
    images = std::move(im.value());
    labels = std::move(lb.value());
  }
  if ((mode & 4) && !images.data.empty()) images.data.pop_back();
  if ((mode & 8) && !labels.data.empty()) labels.data.pop_back();

  auto set = makeDataset(images, "images.idx", labels, "labels.idx");
  if (!set) {
    const std::string& e = set.error();
    FUZZ_CHECK(e.find("images.idx") != std::string::npos || e.find("labels.idx") != std::string::npos, e);
    return 0;
  }

  const Dataset& d = set.value();
  FUZZ_CHECK(images.dims.size() == 3, "accepted images that are not [count, rows, cols]");
  FUZZ_CHECK(d.rows > 0 && d.cols > 0, "empty image shape");
  FUZZ_CHECK(static_cast<uint32_t>(d.rows) == images.dims[1] && static_cast<uint32_t>(d.cols) == images.dims[2],
             "shape");
  FUZZ_CHECK(d.count() == images.dims[0] && d.count() == labels.dims[0], "count");
  FUZZ_CHECK(d.images.size() == d.count() * static_cast<size_t>(d.features()), "images size");
  FUZZ_CHECK(images.data.size() == images.count() * static_cast<uint64_t>(elementSize(images.type)),
             "accepted an images array whose payload does not match its dims");
  for (size_t i = 0; i < d.count(); ++i) {
    FUZZ_CHECK(d.labels[i] <= 9, "label out of range");
    FUZZ_CHECK(d.labels[i] == labels.at(i), "label value changed");
  }
  for (size_t i = 0; i < d.images.size(); ++i) FUZZ_CHECK(d.images[i] == images.at(i), "pixel value changed");

  // head/slice with indices inside, at and past the ends.
  const size_t c = d.count();
  const Dataset h = head(d, c / 2 + 1);
  FUZZ_CHECK(h.count() == std::min(c / 2 + 1, c), "head count");
  FUZZ_CHECK(h.images.size() == h.count() * static_cast<size_t>(h.features()), "head images");
  const Dataset s = slice(d, c / 3, c + 7);
  FUZZ_CHECK(s.count() == c - c / 3, "slice count");
  if (s.count()) FUZZ_CHECK(std::memcmp(s.image(0), d.image(c / 3), static_cast<size_t>(d.features())) == 0, "slice");
  const Dataset e = slice(d, c + 3, c + 1);
  FUZZ_CHECK(e.count() == 0 && e.images.empty(), "empty slice");
  return 0;
}
