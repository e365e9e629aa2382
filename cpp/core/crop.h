// Random square crops of the training digits, the augmentation of the ConvNetJS MNIST demo:
// the network reads a crop×crop window of each side×side image, at a fresh random offset for
// every sample in every epoch, and a prediction averages the output over kCropViews windows.
//
// ConvNetJS draws each offset with randi(0, side − crop), i.e. uniformly from 0 to
// side − crop − 1 (never the last position: 0–3 for 24 of 28), independently for x and y, and
// predicts a test digit from the mean of the softmax outputs of 4 such random crops. Here the
// offsets are drawn from the seed, the epoch and the sample's index (training), or from the
// sample's index and the view alone (prediction), so a run is repeatable at any thread count
// and a saved model predicts a digit the same way on every machine.
#pragma once

#include <cstdint>
#include <string>

#include "expected.h"

namespace digitrain {

// The largest crop setting (the images' own size bounds it further, checkCrop).
inline constexpr int kMaxCrop = 4096;

// The windows a prediction averages over (ConvNetJS's sample_test_instance).
inline constexpr int kCropViews = 4;

struct CropOffset {
  int x = 0, y = 0;  // the window's top-left pixel in the image
};

// Training sample `sample`'s window in epoch `epoch` (0-based).
CropOffset trainingCropOffset(uint64_t seed, int epoch, uint64_t sample, int side, int crop);
// View `view` (0 to kCropViews − 1) of the digit with index `sample` at prediction; a drawing
// is sample 0.
CropOffset predictionCropOffset(uint64_t sample, int view, int side, int crop);

// Copies the crop×crop window at `at` of the rows×cols image `in` to `out` (row-major).
void cropImage(const uint8_t* in, int cols, CropOffset at, int crop, uint8_t* out);
void cropImage(const float* in, int cols, CropOffset at, int crop, float* out);

// The side of the square the network reads: the window with crops, else the image.
inline int networkSide(int crop, int imageSide) { return crop > 0 ? crop : imageSide; }

// Whether a network with `inputs` inputs can read crop×crop windows of rows×cols images: a
// message naming the problem when not (crop 0: the whole image, inputs = rows·cols).
Status checkCrop(int crop, int inputs, int rows, int cols);

}  // namespace digitrain
