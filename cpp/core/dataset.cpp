// Pairing an images IDX array with a labels IDX array into a Dataset. The checks here are
// the ones a person gets wrong when choosing files by hand (swapped files, files from two
// different sets, a labels file from another task), so each message names the files.
#include "dataset.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>

namespace digitrain {
namespace {

std::string numberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

// An array built by hand (not by parseIdx) could promise more elements than it holds.
bool payloadMatches(const IdxArray& a) {
  return a.data.size() == a.count() * static_cast<uint64_t>(elementSize(a.type));
}

// Copies `count` values of `a` into `out` as bytes, checking each is an integer in
// [0, maxValue]; returns the first offending index, or `count` when all are fine.
// With `owned` (the caller gave up the array), u8 payloads are moved rather than copied.
size_t convertToBytes(const IdxArray& a, size_t count, int maxValue, std::vector<uint8_t>& out, double& bad,
                      IdxArray* owned = nullptr) {
  if (a.type == IdxType::U8 && owned) {
    out = std::move(owned->data);
    out.resize(count);
  } else {
    out.resize(count);
  }
  if (a.type == IdxType::U8) {
    if (!owned) std::copy(a.data.begin(), a.data.begin() + static_cast<std::ptrdiff_t>(count), out.begin());
    if (maxValue >= 255) return count;
    for (size_t i = 0; i < count; ++i)
      if (out[i] > maxValue) {
        bad = out[i];
        return i;
      }
    return count;
  }
  for (size_t i = 0; i < count; ++i) {
    const double v = a.at(i);
    if (!(v >= 0 && v <= maxValue) || v != std::floor(v)) {
      bad = v;
      return i;
    }
    out[i] = static_cast<uint8_t>(v);
  }
  return count;
}

}  // namespace

namespace {
Expected<Dataset> assemble(const IdxArray& images, const std::string& imagesName, const IdxArray& labels,
                           const std::string& labelsName, IdxArray* ownedImages);
}  // namespace

const char* name(FileRole role) {
  switch (role) {
    case FileRole::Images: return "images";
    case FileRole::Labels: return "labels";
    case FileRole::Other: return "other";
  }
  return "other";
}

bool isImagesShape(const std::vector<uint32_t>& dims) { return dims.size() == 3; }

bool isLabelsShape(const std::vector<uint32_t>& dims) { return dims.size() == 1 || (dims.size() == 2 && dims[1] == 1); }

IdxSummary summarise(const IdxArray& a) {
  IdxSummary s;
  const bool labelsShape = isLabelsShape(a.dims);
  bool digits = labelsShape;
  const uint64_t n = std::min<uint64_t>(a.count(), a.data.size() / static_cast<uint64_t>(elementSize(a.type)));
  double sum = 0;
  s.min = INFINITY;
  s.max = -INFINITY;
  if (a.type == IdxType::U8) {
    // Counting the 256 byte values first keeps a 47 MB images file to one cheap pass.
    std::array<uint64_t, 256> counts{};
    for (uint64_t i = 0; i < n; ++i) ++counts[a.data[i]];
    for (int v = 0; v < 256; ++v) {
      if (!counts[v]) continue;
      s.min = std::min<double>(s.min, v);
      s.max = std::max<double>(s.max, v);
      sum += double(v) * double(counts[v]);
      if (v < kClasses) s.histogram[v] = counts[v];
      else digits = false;
    }
  } else {
    for (uint64_t i = 0; i < n; ++i) {
      const double x = a.at(static_cast<size_t>(i));
      s.min = std::min(s.min, x);
      s.max = std::max(s.max, x);
      sum += x;
      if (digits) {
        if (x >= 0 && x <= kClasses - 1 && x == std::floor(x)) ++s.histogram[static_cast<int>(x)];
        else digits = false;
      }
    }
  }
  if (n == 0) s.min = s.max = 0;
  s.mean = n ? sum / double(n) : 0;
  if (isImagesShape(a.dims)) s.role = FileRole::Images;
  else if (digits && n > 0) s.role = FileRole::Labels;
  if (s.role != FileRole::Labels) s.histogram = {};
  return s;
}

Expected<Dataset> makeDataset(const IdxArray& images, const std::string& imagesName, const IdxArray& labels,
                              const std::string& labelsName) {
  return assemble(images, imagesName, labels, labelsName, nullptr);
}

Expected<Dataset> makeDataset(IdxArray&& images, const std::string& imagesName, const IdxArray& labels,
                              const std::string& labelsName) {
  return assemble(images, imagesName, labels, labelsName, &images);
}

namespace {
Expected<Dataset> assemble(const IdxArray& images, const std::string& imagesName, const IdxArray& labels,
                           const std::string& labelsName, IdxArray* ownedImages) {
  // Shapes first: a swapped pair is the likeliest mistake, and saying so beats any count.
  if (!isImagesShape(images.dims)) {
    std::string msg = imagesName + ": images are not 2-D per sample: dimensions are " + dimsText(images.dims) +
                      ", expected [count, rows, cols]";
    if (isLabelsShape(images.dims) && isImagesShape(labels.dims))
      msg += " (this looks like a labels file and " + labelsName + " like an images file: were the two swapped?)";
    else if (isLabelsShape(images.dims)) msg += " (this looks like a labels file)";
    else if (images.dims.size() == 2)
      msg += " (one flat row per sample: the images need their rows and cols as separate dimensions)";
    return fail(msg);
  }
  if (!isLabelsShape(labels.dims)) {
    std::string msg = labelsName + ": labels must be one digit per sample: dimensions are " + dimsText(labels.dims) +
                      ", expected [count] or [count, 1]";
    if (isImagesShape(labels.dims)) msg += " (this looks like an images file, not labels)";
    return fail(msg);
  }
  if (!payloadMatches(images))
    return fail(imagesName + ": holds " + std::to_string(images.data.size()) + " bytes, but dimensions " +
                dimsText(images.dims) + " of " + name(images.type) + " need " +
                std::to_string(images.count() * static_cast<uint64_t>(elementSize(images.type))));
  if (!payloadMatches(labels))
    return fail(labelsName + ": holds " + std::to_string(labels.data.size()) + " bytes, but dimensions " +
                dimsText(labels.dims) + " of " + name(labels.type) + " need " +
                std::to_string(labels.count() * static_cast<uint64_t>(elementSize(labels.type))));

  const uint64_t imageCount = images.dims[0];
  const uint64_t labelCount = labels.dims[0];
  const uint64_t rows = images.dims[1], cols = images.dims[2];
  if (rows == 0 || cols == 0)
    return fail(imagesName + ": images have no pixels: dimensions are " + dimsText(images.dims));
  if (rows * cols > static_cast<uint64_t>(INT_MAX))
    return fail(imagesName + ": images of " + std::to_string(rows) + "×" + std::to_string(cols) +
                " pixels are too large");
  if (imageCount != labelCount)
    return fail("the counts differ: " + imagesName + " has " + std::to_string(imageCount) + " images but " +
                labelsName + " has " + std::to_string(labelCount) +
                " labels (are they from the same set, e.g. both train or both t10k?)");

  Dataset set;
  set.rows = static_cast<int>(rows);
  set.cols = static_cast<int>(cols);

  double bad = 0;
  const size_t labelIndex = convertToBytes(labels, static_cast<size_t>(labelCount), 9, set.labels, bad);
  if (labelIndex != labelCount)
    return fail(labelsName + ": label " + numberText(bad) + " at index " + std::to_string(labelIndex) +
                " is not a digit 0..9");

  const size_t pixels = static_cast<size_t>(imageCount * rows * cols);
  const size_t pixelIndex = convertToBytes(images, pixels, 255, set.images, bad, ownedImages);
  if (pixelIndex != pixels) {
    const size_t per = static_cast<size_t>(rows * cols);
    std::string msg = imagesName + ": pixel value " + numberText(bad) + " (image " + std::to_string(pixelIndex / per) +
                      ", pixel " + std::to_string(pixelIndex % per) + ") is not an integer in 0..255";
    if (images.type == IdxType::F32 || images.type == IdxType::F64)
      msg += " (images stored as " + std::string(name(images.type)) +
             " must still hold whole grey levels; values scaled to [0,1] are not accepted)";
    return fail(msg);
  }
  return set;
}
}  // namespace

Dataset slice(const Dataset& set, size_t begin, size_t end) {
  end = std::min(end, set.count());
  begin = std::min(begin, end);
  Dataset out;
  out.rows = set.rows;
  out.cols = set.cols;
  const size_t per = static_cast<size_t>(set.features());
  out.images.assign(set.images.begin() + static_cast<std::ptrdiff_t>(begin * per),
                    set.images.begin() + static_cast<std::ptrdiff_t>(end * per));
  out.labels.assign(set.labels.begin() + static_cast<std::ptrdiff_t>(begin),
                    set.labels.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

Dataset head(const Dataset& set, size_t count) { return slice(set, 0, count); }

}  // namespace digitrain
