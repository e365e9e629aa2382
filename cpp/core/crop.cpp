#include "crop.h"

#include <algorithm>

#include "random.h"

namespace digitrain {
namespace {

// A stream of its own for crops ("CROP"), apart from augmentation's and the shuffle's.
constexpr uint64_t kCropStream = 0x43524F50ull;

// One draw of randi(0, side − crop) for x, then for y, from a generator keyed by `key`.
CropOffset draw(Rng& rng, int side, int crop) {
  const uint64_t span = static_cast<uint64_t>(std::max(side - crop, 1));
  CropOffset at;
  at.x = side > crop ? static_cast<int>(rng.below(span)) : 0;
  at.y = side > crop ? static_cast<int>(rng.below(span)) : 0;
  return at;
}

// Chains keys through the generator's own seeding (splitmix64), so nearby keys give unrelated
// streams.
uint64_t chain(uint64_t key, uint64_t next) { return Rng(key).next() + next; }

}  // namespace

CropOffset trainingCropOffset(uint64_t seed, int epoch, uint64_t sample, int side, int crop) {
  Rng rng(chain(chain(seed ^ kCropStream, static_cast<uint64_t>(epoch)), sample));
  return draw(rng, side, crop);
}

CropOffset predictionCropOffset(uint64_t sample, int view, int side, int crop) {
  Rng rng(chain(chain(kCropStream, sample), static_cast<uint64_t>(view)));
  return draw(rng, side, crop);
}

template <class P>
void cropInto(const P* in, int cols, CropOffset at, int crop, P* out) {
  for (int y = 0; y < crop; ++y) std::copy_n(in + size_t(at.y + y) * cols + at.x, crop, out + size_t(y) * crop);
}

void cropImage(const uint8_t* in, int cols, CropOffset at, int crop, uint8_t* out) {
  cropInto(in, cols, at, crop, out);
}
void cropImage(const float* in, int cols, CropOffset at, int crop, float* out) { cropInto(in, cols, at, crop, out); }

Status checkCrop(int crop, int inputs, int rows, int cols) {
  const std::string image = std::to_string(rows) + "×" + std::to_string(cols);
  if (crop == 0) {
    if (inputs == rows * cols) return Ok{};
    return fail("--layers: the network has " + std::to_string(inputs) + " inputs but the images are " + image + " = " +
                std::to_string(rows * cols) + " pixels");
  }
  if (rows != cols) return fail("--crop: crops are taken from square images, but the images are " + image);
  if (crop >= rows)
    return fail("--crop: a " + std::to_string(crop) + "×" + std::to_string(crop) +
                " crop needs images larger than that, but they are " + image);
  if (inputs != crop * crop)
    return fail("--layers: with --crop " + std::to_string(crop) + " the network reads " + std::to_string(crop) + "×" +
                std::to_string(crop) + " = " + std::to_string(crop * crop) + " inputs, but it has " +
                std::to_string(inputs));
  return Ok{};
}

}  // namespace digitrain
