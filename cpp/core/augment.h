// On-the-fly data augmentation: each training image is redrawn, as its batch is gathered, under
// a random affine map (shift, rotation, scale, shear) and an elastic distortion (a random
// displacement field smoothed by a Gaussian of width σ and scaled by α, Simard et al. 2003),
// sampled bilinearly from the stored bytes. Nothing of the data set is copied: a chunk's
// distorted bytes live in a per-thread buffer of the chunk's size.
//
// Determinism: the distortion of a sample is a function of (seed, epoch, sample index) alone,
// like the dropout masks, so it does not depend on the thread count, on the batch a sample
// falls in, or on pausing. And it is the same byte for byte natively and in WebAssembly: the
// per-pixel work is integer arithmetic in 16.16 fixed point, and the few floating-point values
// (the map's sines and cosines, the Gaussian) come from this file's own polynomials on + − × ÷
// alone — never from libm, whose sin/cos/exp differ between glibc and Emscripten's musl — and
// are rounded to fixed point before any pixel sees them.
//
// Conventions: images are rows×cols bytes, row-major; pixel (x, y) has its centre at integer
// coordinates, and the maps turn about the image's centre ((cols−1)/2, (rows−1)/2). Outside
// the image is 0 (background).
#pragma once

#include <cstdint>
#include <vector>

#include "config.h"
#include "random.h"

namespace digitrain {

// Fixed point: 16 fractional bits.
constexpr int kFixedBits = 16;
constexpr int64_t kFixedOne = int64_t(1) << kFixedBits;

// The settings' ranges (settings.cpp). A rotation beyond 90° would turn a 6 into a 9; the
// sines and cosines here are exact to 1e-9 up to there. σ ≤ 10 keeps the Gaussian within ±30
// pixels, about the image.
constexpr double kMaxAugmentShift = 10, kMaxAugmentRotation = 90, kMaxAugmentScale = 0.5, kMaxAugmentShear = 1;
constexpr double kMaxElasticAlpha = 100, kMinElasticSigma = 0.5, kMaxElasticSigma = 10;

// What one sample's affine map does to its ink: shifted by (shiftX, shiftY) pixels (+x right,
// +y down), rotated by `rotation` degrees (clockwise on screen, as y points down), scaled by
// `scale` and sheared horizontally by `shear` (x += shear·y), all about the centre.
struct AffineParams {
  double shiftX = 0, shiftY = 0;
  double rotation = 0;  // degrees, |rotation| ≤ 90
  double scale = 1;     // > 0
  double shear = 0;
};

// The source position of every output pixel: src = centre + A·(p − centre − shift) + d(p), in
// fixed point. `a` is the inverse of the ink's linear map (row-major 2×2). The displacement
// field d, when present, is given on a grid of every `spacing`-th pixel (gridCols values a row,
// as elasticGrid draws it; spacing 1: every pixel) and interpolated bilinearly between grid
// points; no value of it exceeds `reach` in magnitude.
struct Warp {
  int64_t a[4] = {kFixedOne, 0, 0, kFixedOne};
  int64_t shiftX = 0, shiftY = 0;
  const int32_t* dx = nullptr;
  const int32_t* dy = nullptr;
  int spacing = 1, gridCols = 0;
  int32_t reach = 0;
};

Warp affineWarp(const AffineParams& p);

// Resamples `in` (rows×cols bytes) under `warp` into `out`, bilinearly, rounding to the nearest
// byte. The identity warp copies the bytes exactly; an integer shift moves them exactly.
// `scratch` is room for the image with a border of zeros and for two grid rows of the field
// blended. An output pixel whose four source pixels all lie outside the ink's bounding box is 0
// without being sampled (a digit is ~80 % background, so most are), which changes no byte.
struct WarpScratch {
  std::vector<uint8_t> padded;
  std::vector<int32_t> blendX, blendY;  // two grid rows of the field blended
};
void warpImage(const uint8_t* in, int rows, int cols, const Warp& warp, uint8_t* out, WarpScratch& scratch);
void warpImage(const uint8_t* in, int rows, int cols, const Warp& warp, uint8_t* out);

// The elastic field is smoothed in 32-bit integers (4 to a SIMD register): its random values
// have kFieldBits fractional bits and the Gaussian kKernelBits, so a product and a pass's sum
// (the kernel sums to 1) stay below 2³¹.
constexpr int kFieldBits = 12, kKernelBits = 15;
constexpr int32_t kKernelOne = int32_t(1) << kKernelBits;

// The Gaussian exp(−i²/2σ²), i in [−r, r] with r = ⌈3σ⌉, in 2⁻¹⁵ units, summing to exactly 1.
std::vector<int32_t> gaussianKernel(double sigma);

// Room for elasticField's padded rows and columns between its passes, and its grid.
struct ElasticScratch {
  std::vector<int32_t> noise, pass, smooth, grid;
};

// A field smoothed over σ pixels varies little between neighbours: it is drawn and smoothed on
// a grid of every `spacing`-th pixel (σ/spacing ≥ 2 grid steps) and interpolated bilinearly in
// between, spacing² times fewer products — with the products per pixel, smoothing at every
// pixel cost as much as the training step of a 784-800-10 network.
constexpr int kMaxElasticSpacing = 4;
int elasticSpacing(double sigma);  // 1, 2 or 4: the largest power of two ≤ σ/2, at least 1

// The grid of every `spacing`-th pixel, reaching one point past the last pixel when spacing > 1
// (what the interpolation between grid points needs): its rows and columns.
int elasticGridSide(int side, int spacing);

// Random displacements, uniform noise on a grid of every `spacing`-th pixel (in [−1, 1) per
// pixel, [−1, 1)/spacing per grid point, the same spread once smoothed), smoothed along rows
// then columns by `kernel` (in grid steps; zero outside the image) and scaled by α pixels, into
// `grid` (elasticGridSide(rows)·elasticGridSide(cols) values, 2⁻¹⁶ pixel): |d| ≤ α everywhere.
// Returns the largest |d|. The field at a pixel is the bilinear interpolation of its four grid
// points (what warpImage does with a Warp's grid, and elasticField with every pixel).
int32_t elasticGrid(Rng& rng, const std::vector<int32_t>& kernel, int spacing, double alpha, int rows, int cols,
                    int32_t* grid, ElasticScratch& scratch);

// elasticGrid's field interpolated to every pixel, into `field` (rows·cols values).
void elasticField(Rng& rng, const std::vector<int32_t>& kernel, int spacing, double alpha, int rows, int cols,
                  int32_t* field, ElasticScratch& scratch);

// The augmentation a TrainConfig asks for, prepared once per run (its Gaussian kernel).
class Augmenter {
 public:
  Augmenter(const TrainConfig& config, int rows, int cols);

  // Whether the configuration distorts anything at all.
  bool active() const { return active_; }

  // Per-thread room for the displacement fields (on their grids).
  struct Scratch {
    std::vector<int32_t> dx, dy;
    ElasticScratch elastic;
    WarpScratch warp;  // for the sampler
  };

  // Sample `sample`'s image in epoch `epoch` (0-based) as training sees it.
  void apply(const uint8_t* in, uint8_t* out, int epoch, uint32_t sample, Scratch& scratch) const;

  // The parameters drawn for that sample (what `apply` uses, before its elastic field).
  AffineParams draw(Rng& rng) const;

 private:
  TrainConfig config_;
  int rows_, cols_;
  bool active_ = false;
  bool elastic_ = false;
  int spacing_ = 1;
  std::vector<int32_t> kernel_;  // the Gaussian in grid steps
};

// Whether a configuration augments: the switch is on and some distortion is non-zero.
bool augments(const TrainConfig& config);

}  // namespace digitrain
