// A labelled set of images, as bytes: images stay uint8 and are scaled to [0,1] only when
// a batch is gathered (Full MNIST: 47 MB of images + 60 KB of labels).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "expected.h"
#include "idx.h"
#include "types.h"

namespace digitrain {

struct Dataset {
  int rows = 0, cols = 0;       // image shape, 28×28 for MNIST
  std::vector<uint8_t> images;  // count × rows·cols, one row-major image after another
  std::vector<uint8_t> labels;  // count, each in 0..9

  size_t count() const { return labels.size(); }
  int features() const { return rows * cols; }
  const uint8_t* image(size_t i) const { return images.data() + i * static_cast<size_t>(features()); }
};

// What an IDX file is for, decided from its content alone (downloads get renamed): the page's
// file recognition (through Session::describe), the CLI's `info` and makeDataset's messages
// all ask here.
enum class FileRole { Images, Labels, Other };
const char* name(FileRole role);  // "images", "labels", "other"

// Rank 3: [count, rows, cols].
bool isImagesShape(const std::vector<uint32_t>& dims);
// Rank 1, or N×1: one value per sample.
bool isLabelsShape(const std::vector<uint32_t>& dims);

struct IdxSummary {
  // Images by shape; labels by shape when every value is a digit 0..9; anything else is other.
  FileRole role = FileRole::Other;
  double min = 0, max = 0, mean = 0;           // over every value
  std::array<uint64_t, kClasses> histogram{};  // how many of each digit; labels only
};

// One pass over the values of `array` (the whole file: a 47 MB images file takes ~50 ms).
IdxSummary summarise(const IdxArray& array);

// Pairs an images file with a labels file. Fails, naming both files, when the counts
// differ, a label is outside 0..9, the images are not 2-D per sample, or the element
// types are not unsigned bytes (other IDX types are accepted if every value is an integer
// in 0..255 for images / 0..9 for labels).
Expected<Dataset> makeDataset(const IdxArray& images, const std::string& imagesName, const IdxArray& labels,
                              const std::string& labelsName);

// The same, taking over the images' bytes instead of copying them (full MNIST: 47 MB less
// at the peak, which matters in the browser's fixed heap).
Expected<Dataset> makeDataset(IdxArray&& images, const std::string& imagesName, const IdxArray& labels,
                              const std::string& labelsName);

// The first `count` samples of `set` (a copy).
Dataset head(const Dataset& set, size_t count);
// Samples [begin, end) of `set` (a copy).
Dataset slice(const Dataset& set, size_t begin, size_t end);

}  // namespace digitrain
