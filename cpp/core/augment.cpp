// Augmentation transforms (see augment.h). Every floating-point value here is computed with
// + − × ÷ and std::floor only (exactly rounded in IEEE arithmetic on every platform) and
// rounded to fixed point before it touches a pixel, so native and WebAssembly builds produce the
// same bytes.
#include "augment.h"

#include <algorithm>
#include <cmath>

namespace digitrain {
namespace {

constexpr double kPi = 3.14159265358979323846;

int64_t toFixed(double v) { return static_cast<int64_t>(std::floor(v * double(kFixedOne) + 0.5)); }

// (a·b) >> s, rounding to nearest (half up): the products stay well inside int64.
int64_t roundShift(int64_t v, int s) { return (v + (int64_t(1) << (s - 1))) >> s; }

// sin and cos for |x| ≤ π/2 by their Taylor series to x¹³ and x¹⁴: error below 1e-9, far under
// the 2⁻¹⁶ the fixed-point map keeps.
void sinCos(double x, double* s, double* c) {
  const double x2 = x * x;
  double sn = 1, cs = 1;
  // Horner from the highest term: sin = x(1 − x²/(2·3)(1 − x²/(4·5)(…))), cos likewise.
  for (int k = 13; k >= 3; k -= 2) sn = 1 - x2 / double(k * (k - 1)) * sn;
  for (int k = 14; k >= 2; k -= 2) cs = 1 - x2 / double(k * (k - 1)) * cs;
  *s = x * sn;
  *c = cs;
}

// exp(x) for x ≤ 0 (down to −4.5 here): e^(x/64) by its Taylor series, squared six times.
double expNonPositive(double x) {
  const double y = x / 64;
  double e = 1;
  for (int k = 8; k >= 1; --k) e = 1 + y / double(k) * e;
  for (int i = 0; i < 6; ++i) e *= e;
  return e;
}

uint64_t mixKey(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform draw in [−1, 1).
double symmetric(Rng& rng) { return 2 * rng.uniform() - 1; }

}  // namespace

Warp affineWarp(const AffineParams& p) {
  // The ink's map is M = scale·R(θ)·Sh(shear); the sampler needs A = M⁻¹ = Sh(−shear)·R(−θ)/scale.
  double s, c;
  sinCos(p.rotation * (kPi / 180), &s, &c);
  const double inv = 1 / p.scale;
  // R(−θ) = [[c, s], [−s, c]]; Sh(−h) = [[1, −h], [0, 1]].
  const double h = p.shear;
  Warp w;
  w.a[0] = toFixed((c + h * s) * inv);
  w.a[1] = toFixed((s - h * c) * inv);
  w.a[2] = toFixed(-s * inv);
  w.a[3] = toFixed(c * inv);
  w.shiftX = toFixed(p.shiftX);
  w.shiftY = toFixed(p.shiftY);
  return w;
}

void warpImage(const uint8_t* in, int rows, int cols, const Warp& w, uint8_t* out, std::vector<uint8_t>& padded) {
  // The image inside a border of zeros: the four neighbours of any source point that touches
  // the image are read without a bounds check.
  const int stride = cols + 2;
  padded.assign(size_t(rows + 2) * stride, 0);
  for (int y = 0; y < rows; ++y) std::copy_n(in + y * cols, cols, padded.data() + (y + 1) * stride + 1);
  // Twice the position relative to the centre, less the shift, in fixed point: the centre
  // (cols−1)/2 may be a half pixel, so doubling keeps it exact. A·(u, v) + 2·centre is then the
  // doubled source in 2⁻³² units (rounded by 17 bits to fixed point), and moves by 2·A's first
  // column from one x to the next, exactly.
  const int64_t centreX2 = int64_t(cols - 1) * kFixedOne, centreY2 = int64_t(rows - 1) * kFixedOne;
  const int64_t u0 = -centreX2 - 2 * w.shiftX, stepX = 2 * kFixedOne;
  for (int y = 0; y < rows; ++y) {
    const int64_t v = int64_t(2 * y) * kFixedOne - centreY2 - 2 * w.shiftY;
    int64_t numX = w.a[0] * u0 + w.a[1] * v + centreX2 * kFixedOne;
    int64_t numY = w.a[2] * u0 + w.a[3] * v + centreY2 * kFixedOne;
    for (int x = 0; x < cols; ++x, numX += w.a[0] * stepX, numY += w.a[2] * stepX) {
      int64_t sx = roundShift(numX, kFixedBits + 1), sy = roundShift(numY, kFixedBits + 1);
      if (w.dx) {
        sx += w.dx[y * cols + x];
        sy += w.dy[y * cols + x];
      }
      const int64_t ix = sx >> kFixedBits, iy = sy >> kFixedBits;  // floor
      if (ix < -1 || iy < -1 || ix >= cols || iy >= rows) {
        out[y * cols + x] = 0;
        continue;
      }
      const int64_t fx = sx & (kFixedOne - 1), fy = sy & (kFixedOne - 1);
      const uint8_t* p = padded.data() + (iy + 1) * stride + (ix + 1);
      const int64_t top = p[0] * (kFixedOne - fx) + p[1] * fx;
      const int64_t bottom = p[stride] * (kFixedOne - fx) + p[stride + 1] * fx;
      out[y * cols + x] = static_cast<uint8_t>(roundShift(top * (kFixedOne - fy) + bottom * fy, 2 * kFixedBits));
    }
  }
}

void warpImage(const uint8_t* in, int rows, int cols, const Warp& w, uint8_t* out) {
  std::vector<uint8_t> padded;
  warpImage(in, rows, cols, w, out, padded);
}

std::vector<int32_t> gaussianKernel(double sigma) {
  const int r = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> g(2 * r + 1);
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += g[i + r] = expNonPositive(-double(i * i) / (2 * sigma * sigma));
  std::vector<int32_t> k(g.size());
  int32_t total = 0;
  for (size_t i = 0; i < g.size(); ++i)
    total += k[i] = static_cast<int32_t>(std::floor(g[i] / sum * double(kKernelOne) + 0.5));
  k[r] += kKernelOne - total;  // the rounding's remainder, so Σk = 1 exactly
  return k;
}

int elasticSpacing(double sigma) {
  int spacing = 1;
  while (spacing * 2 <= kMaxElasticSpacing && spacing * 4 <= sigma) spacing *= 2;
  return spacing;
}

void elasticField(Rng& rng, const std::vector<int32_t>& kernel, int spacing, double alpha, int rows, int cols,
                  int32_t* field, ElasticScratch& scratch) {
  const int r = static_cast<int>(kernel.size() / 2);
  int shift = 0;
  while ((1 << shift) < spacing) ++shift;
  // The grid the noise is drawn on: every pixel, or every `spacing`-th one reaching one point
  // past the last pixel (what the interpolation between grid points needs).
  const int gridRows = spacing == 1 ? rows : (rows - 1) / spacing + 2;
  const int gridCols = spacing == 1 ? cols : (cols - 1) / spacing + 2;
  // Noise rows padded with r zeros each side; the first pass's output padded with r zero rows
  // above and below: both passes are then plain loops over x, which compilers vectorise.
  const int width = gridCols + 2 * r;
  scratch.noise.assign(size_t(gridRows) * width, 0);
  scratch.pass.assign(size_t(gridRows + 2 * r) * gridCols, 0);
  scratch.grid.resize(size_t(gridRows) * gridCols);
  // Uniform in [−1, 1)/spacing with kFieldBits fractional bits, four values from each 64-bit
  // draw. A grid point stands for spacing² pixels: its noise has 1/spacing² their variance, so
  // the smoothed field has the same spread as one drawn at every pixel.
  constexpr int bits = kFieldBits + 1;
  uint64_t word = 0;
  int left = 0;
  for (int y = 0; y < gridRows; ++y)
    for (int x = 0; x < gridCols; ++x) {
      if (left == 0) {
        word = rng.next();
        left = 4;
      }
      --left;
      const int32_t draw = static_cast<int32_t>((word >> (64 - bits * (4 - left))) & ((1u << bits) - 1));
      scratch.noise[size_t(y) * width + r + x] = (draw - (1 << kFieldBits)) >> shift;
    }
  // The kernel is symmetric: k[r ± t] multiplies the sum of the two values t away, half the
  // products. Integer sums are exact in any order, so the vectorised loops change no bit.
  const int32_t* k = kernel.data() + r;  // k[−r..r]
  for (int y = 0; y < gridRows; ++y) {
    const int32_t* __restrict in = scratch.noise.data() + size_t(y) * width + r;
    int32_t* __restrict out = scratch.pass.data() + size_t(y + r) * gridCols;
    for (int x = 0; x < gridCols; ++x) out[x] = k[0] * in[x];
    for (int t = 1; t <= r; ++t)
      for (int x = 0; x < gridCols; ++x) out[x] += k[t] * (in[x - t] + in[x + t]);
    // Back to kFieldBits fractional bits, rounding half up.
    for (int x = 0; x < gridCols; ++x) out[x] = (out[x] + (kKernelOne >> 1)) >> kKernelBits;
  }
  int32_t* grid = spacing == 1 ? field : scratch.grid.data();
  for (int y = 0; y < gridRows; ++y) {
    int32_t* __restrict out = grid + size_t(y) * gridCols;
    const int32_t* centre = scratch.pass.data() + size_t(y + r) * gridCols;
    for (int x = 0; x < gridCols; ++x) out[x] = k[0] * centre[x];
    for (int t = 1; t <= r; ++t) {
      const int32_t* __restrict above = centre - size_t(t) * gridCols;
      const int32_t* __restrict below = centre + size_t(t) * gridCols;
      for (int x = 0; x < gridCols; ++x) out[x] += k[t] * (above[x] + below[x]);
    }
  }
  // A fraction of 1 in 2^−(kFieldBits + kKernelBits) units, times α in 2⁻¹⁶ units: pixels in 2⁻¹⁶.
  const int64_t alphaFixed = toFixed(alpha);
  for (int i = 0; i < gridRows * gridCols; ++i)
    grid[i] = static_cast<int32_t>(roundShift(int64_t(grid[i]) * alphaFixed, kFieldBits + kKernelBits));
  if (spacing == 1) return;
  // Every pixel from its four grid points, bilinearly, along rows then columns: the weights are
  // whole multiples of 1/spacing, and |d|·spacing² < 2³¹, so nothing is rounded until the end.
  scratch.pass.resize(size_t(gridRows) * cols);
  for (int y = 0; y < gridRows; ++y) {
    const int32_t* in = grid + size_t(y) * gridCols;
    int32_t* __restrict out = scratch.pass.data() + size_t(y) * cols;
    for (int x = 0; x < cols; ++x) {
      const int gx = x >> shift, fx = x & (spacing - 1);
      out[x] = in[gx] * (spacing - fx) + in[gx + 1] * fx;
    }
  }
  const int32_t half = int32_t(1) << (2 * shift - 1);
  for (int y = 0; y < rows; ++y) {
    const int gy = y >> shift, fy = y & (spacing - 1);
    const int32_t* __restrict upper = scratch.pass.data() + size_t(gy) * cols;
    const int32_t* __restrict lower = upper + cols;
    int32_t* __restrict out = field + size_t(y) * cols;
    for (int x = 0; x < cols; ++x) out[x] = (upper[x] * (spacing - fy) + lower[x] * fy + half) >> (2 * shift);
  }
}

bool augments(const TrainConfig& c) {
  return c.augment && (c.augmentShift > 0 || c.augmentRotation > 0 || c.augmentScale > 0 || c.augmentShear > 0 ||
                       c.elasticAlpha > 0);
}

Augmenter::Augmenter(const TrainConfig& config, int rows, int cols)
    : config_(config), rows_(rows), cols_(cols), active_(augments(config)) {
  elastic_ = active_ && config.elasticAlpha > 0;
  if (elastic_) {
    spacing_ = elasticSpacing(config.elasticSigma);
    kernel_ = gaussianKernel(config.elasticSigma / spacing_);
  }
}

AffineParams Augmenter::draw(Rng& rng) const {
  // Always five draws, in this order, so that changing one range leaves the others' values.
  AffineParams p;
  p.shiftX = config_.augmentShift * symmetric(rng);
  p.shiftY = config_.augmentShift * symmetric(rng);
  p.rotation = config_.augmentRotation * symmetric(rng);
  p.scale = 1 + config_.augmentScale * symmetric(rng);
  p.shear = config_.augmentShear * symmetric(rng);
  return p;
}

void Augmenter::apply(const uint8_t* in, uint8_t* out, int epoch, uint32_t sample, Scratch& scratch) const {
  const int n = rows_ * cols_;
  if (!active_) {
    std::copy_n(in, n, out);
    return;
  }
  Rng rng(mixKey(mixKey(config_.seed, 0x4155474Dull + static_cast<uint64_t>(epoch)), sample));
  Warp w = affineWarp(draw(rng));
  if (elastic_) {
    scratch.dx.resize(n);
    scratch.dy.resize(n);
    elasticField(rng, kernel_, spacing_, config_.elasticAlpha, rows_, cols_, scratch.dx.data(), scratch.elastic);
    elasticField(rng, kernel_, spacing_, config_.elasticAlpha, rows_, cols_, scratch.dy.data(), scratch.elastic);
    w.dx = scratch.dx.data();
    w.dy = scratch.dy.data();
  }
  warpImage(in, rows_, cols_, w, out, scratch.padded);
}

}  // namespace digitrain
