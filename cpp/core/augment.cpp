// Augmentation transforms (see augment.h). Every floating-point value here is computed with
// + − × ÷ and std::floor only (exactly rounded in IEEE arithmetic on every platform) and
// rounded to fixed point before it touches a pixel, so native and WebAssembly builds produce the
// same bytes.
#include "augment.h"

#include <algorithm>
#include <cmath>
#include <cstring>

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

namespace {

// Whether any of n bytes is non-zero, eight at a time.
bool anyInk(const uint8_t* p, int n) {
  uint64_t any = 0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    any |= word;
  }
  for (; i < n; ++i) any |= p[i];
  return any != 0;
}

// The bilinear sample at (sx, sy) (16.16) of the padded image: its four pixels must lie in it.
inline uint8_t sample(const uint8_t* padded, int stride, int64_t sx, int64_t sy) {
  const int64_t ix = sx >> kFixedBits, iy = sy >> kFixedBits;  // floor
  const int64_t fx = sx & (kFixedOne - 1), fy = sy & (kFixedOne - 1);
  const uint8_t* p = padded + (iy + 1) * stride + (ix + 1);
  // a·(1 − f) + b·f = a + (b − a)·f: one product each instead of two, the same integers.
  const int64_t top = (int64_t(p[0]) << kFixedBits) + (p[1] - p[0]) * fx;
  const int64_t bottom = (int64_t(p[stride]) << kFixedBits) + (p[stride + 1] - p[stride]) * fx;
  return static_cast<uint8_t>(roundShift((top << kFixedBits) + (bottom - top) * fy, 2 * kFixedBits));
}

}  // namespace

void warpImage(const uint8_t* in, int rows, int cols, const Warp& w, uint8_t* out, WarpScratch& scratch) {
  std::fill_n(out, size_t(rows) * cols, uint8_t(0));
  // The ink's bounding box [x0, x1] × [y0, y1]: a source point (sx, sy) reads pixels ⌊sx⌋ and
  // ⌊sx⌋ + 1, so it can see ink only while ⌊sx⌋ ∈ [x0 − 1, x1] and ⌊sy⌋ ∈ [y0 − 1, y1].
  int x0 = cols, x1 = -1, y0 = rows, y1 = -1;
  for (int y = 0; y < rows; ++y) {
    const uint8_t* row = in + size_t(y) * cols;
    if (!anyInk(row, cols)) continue;
    y0 = std::min(y0, y), y1 = y;
    // Only a pixel left of x0 or right of x1 can widen the box.
    int first = 0, last = cols - 1;
    while (first < x0 && !row[first]) ++first;
    while (last > x1 && !row[last]) --last;
    x0 = std::min(x0, first), x1 = std::max(x1, last);
  }
  if (x1 < 0) return;  // no ink
  // The image inside a border of zeros: the four neighbours of any source point that touches
  // the ink are read without a bounds check.
  const int stride = cols + 2;
  std::vector<uint8_t>& padded = scratch.padded;
  padded.assign(size_t(rows + 2) * stride, 0);
  for (int y = y0; y <= y1; ++y)
    std::copy_n(in + size_t(y) * cols + x0, x1 - x0 + 1, padded.data() + size_t(y + 1) * stride + x0 + 1);
  const int64_t lowX = int64_t(x0 - 1) * kFixedOne, highX = int64_t(x1 + 1) * kFixedOne - 1;
  const int64_t lowY = int64_t(y0 - 1) * kFixedOne, highY = int64_t(y1 + 1) * kFixedOne - 1;
  // Twice the position relative to the centre, less the shift, in fixed point: the centre
  // (cols−1)/2 may be a half pixel, so doubling keeps it exact. A·(u, v) + 2·centre is then the
  // doubled source in 2⁻³² units, rounded by 17 bits to fixed point. From one x to the next it
  // moves by 2·A's first column times 2¹⁷ — whole units of the rounding — so the rounded source
  // moves by exactly A's first column: along a row it is a line, s0 + x·a.
  const int64_t centreX2 = int64_t(cols - 1) * kFixedOne, centreY2 = int64_t(rows - 1) * kFixedOne;
  const int64_t u0 = -centreX2 - 2 * w.shiftX;
  const int64_t stepX = w.a[0], stepY = w.a[2];
  // A displacement moves the source by at most `reach`: the pixels of a row that may see ink
  // lie within the span of the undisplaced line widened by that much, and are checked one by one.
  const int64_t reach = w.dx ? w.reach : 0;
  const int64_t nearLowX = lowX - reach, nearHighX = highX + reach, nearLowY = lowY - reach, nearHighY = highY + reach;
  int shift = 0;
  while ((1 << shift) < w.spacing) ++shift;
  const int32_t spacing = w.spacing, half = shift ? int32_t(1) << (2 * shift - 1) : 0;
  if (w.dx && shift) scratch.blendX.resize(size_t(w.gridCols)), scratch.blendY.resize(size_t(w.gridCols));
  int32_t *blendX = scratch.blendX.data(), *blendY = scratch.blendY.data();
  for (int y = 0; y < rows; ++y) {
    const int64_t v = int64_t(2 * y) * kFixedOne - centreY2 - 2 * w.shiftY;
    const int64_t sx0 = roundShift(w.a[0] * u0 + w.a[1] * v + centreX2 * kFixedOne, kFixedBits + 1);
    const int64_t sy0 = roundShift(w.a[2] * u0 + w.a[3] * v + centreY2 * kFixedOne, kFixedBits + 1);
    // Where the line is near the box is one run of pixels (it is convex): found by walking in
    // from both ends, cheaper than the four 64-bit divisions that would compute it.
    const auto near = [&](int64_t x) {
      const int64_t sx = sx0 + x * stepX, sy = sy0 + x * stepY;
      return sx >= nearLowX && sx <= nearHighX && sy >= nearLowY && sy <= nearHighY;
    };
    int64_t first = 0, last = cols - 1;
    while (first < cols && !near(first)) ++first;
    if (first == cols) continue;
    while (!near(last)) --last;
    uint8_t* o = out + size_t(y) * cols;
    if (!w.dx) {
      // Every pixel of the span sees the box (and no other does): sampled unchecked.
      for (int64_t x = first; x <= last; ++x) o[x] = sample(padded.data(), stride, sx0 + x * stepX, sy0 + x * stepY);
      continue;
    }
    // The field along this row, over the span: spacing 1 reads it; otherwise the two grid rows
    // about y are blended first (whole multiples, nothing rounded), then each pixel between its
    // two blended grid points, rounded once — the same integer as the other order.
    if (shift == 0) {
      const int32_t *fieldX = w.dx + size_t(y) * w.gridCols, *fieldY = w.dy + size_t(y) * w.gridCols;
      for (int64_t x = first; x <= last; ++x) {
        const int64_t sx = sx0 + x * stepX + fieldX[x], sy = sy0 + x * stepY + fieldY[x];
        if (sx < lowX || sx > highX || sy < lowY || sy > highY) continue;
        o[x] = sample(padded.data(), stride, sx, sy);
      }
      continue;
    }
    const int gy = y >> shift, fy = y & (spacing - 1);
    const int g0 = int(first >> shift), g1 = int(last >> shift) + 1;
    const int32_t* ux = w.dx + size_t(gy) * w.gridCols;
    const int32_t* uy = w.dy + size_t(gy) * w.gridCols;
    for (int g = g0; g <= g1; ++g) {
      blendX[g] = ux[g] * (spacing - fy) + ux[g + w.gridCols] * fy;
      blendY[g] = uy[g] * (spacing - fy) + uy[g + w.gridCols] * fy;
    }
    for (int64_t x = first; x <= last; ++x) {
      const int gx = int(x >> shift), fx = int(x & (spacing - 1));
      const int32_t dx = (blendX[gx] * (spacing - fx) + blendX[gx + 1] * fx + half) >> (2 * shift);
      const int32_t dy = (blendY[gx] * (spacing - fx) + blendY[gx + 1] * fx + half) >> (2 * shift);
      const int64_t sx = sx0 + x * stepX + dx, sy = sy0 + x * stepY + dy;
      if (sx < lowX || sx > highX || sy < lowY || sy > highY) continue;
      o[x] = sample(padded.data(), stride, sx, sy);
    }
  }
}

void warpImage(const uint8_t* in, int rows, int cols, const Warp& w, uint8_t* out) {
  WarpScratch scratch;
  warpImage(in, rows, cols, w, out, scratch);
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

int elasticGridSide(int side, int spacing) { return spacing == 1 ? side : (side - 1) / spacing + 2; }

int32_t elasticGrid(Rng& rng, const std::vector<int32_t>& kernel, int spacing, double alpha, int rows, int cols,
                    int32_t* grid, ElasticScratch& scratch) {
  const int r = static_cast<int>(kernel.size() / 2);
  int shift = 0;
  while ((1 << shift) < spacing) ++shift;
  const int gridRows = elasticGridSide(rows, spacing), gridCols = elasticGridSide(cols, spacing);
  // Noise rows padded with r zeros each side; the first pass's output padded with r zero rows
  // above and below: both passes are then plain loops over x, which compilers vectorise. Rows
  // are smoothed `lanes` wide, a whole number of 4-lane registers: the columns past the grid
  // are smoothed zeros, never read.
  const int lanes = (gridCols + 3) & ~3, width = lanes + 2 * r;
  scratch.noise.assign(size_t(gridRows) * width, 0);
  scratch.pass.assign(size_t(gridRows + 2 * r) * lanes, 0);
  scratch.smooth.resize(size_t(gridRows) * lanes);
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
    int32_t* __restrict out = scratch.pass.data() + size_t(y + r) * lanes;
    for (int x = 0; x < lanes; ++x) out[x] = k[0] * in[x];
    for (int t = 1; t <= r; ++t)
      for (int x = 0; x < lanes; ++x) out[x] += k[t] * (in[x - t] + in[x + t]);
    // Back to kFieldBits fractional bits, rounding half up.
    for (int x = 0; x < lanes; ++x) out[x] = (out[x] + (kKernelOne >> 1)) >> kKernelBits;
  }
  for (int y = 0; y < gridRows; ++y) {
    int32_t* __restrict out = scratch.smooth.data() + size_t(y) * lanes;
    const int32_t* centre = scratch.pass.data() + size_t(y + r) * lanes;
    for (int x = 0; x < lanes; ++x) out[x] = k[0] * centre[x];
    for (int t = 1; t <= r; ++t) {
      const int32_t* __restrict above = centre - size_t(t) * lanes;
      const int32_t* __restrict below = centre + size_t(t) * lanes;
      for (int x = 0; x < lanes; ++x) out[x] += k[t] * (above[x] + below[x]);
    }
  }
  // A fraction of 1 in 2^−(kFieldBits + kKernelBits) units, times α in 2⁻¹⁶ units: pixels in 2⁻¹⁶.
  const int64_t alphaFixed = toFixed(alpha);
  int32_t largest = 0;
  for (int y = 0; y < gridRows; ++y)
    for (int x = 0; x < gridCols; ++x) {
      const int32_t d = static_cast<int32_t>(
          roundShift(int64_t(scratch.smooth[size_t(y) * lanes + x]) * alphaFixed, kFieldBits + kKernelBits));
      grid[size_t(y) * gridCols + x] = d;
      largest = std::max(largest, d < 0 ? -d : d);
    }
  return largest;
}

void elasticField(Rng& rng, const std::vector<int32_t>& kernel, int spacing, double alpha, int rows, int cols,
                  int32_t* field, ElasticScratch& scratch) {
  if (spacing == 1) {
    elasticGrid(rng, kernel, spacing, alpha, rows, cols, field, scratch);
    return;
  }
  const int gridRows = elasticGridSide(rows, spacing), gridCols = elasticGridSide(cols, spacing);
  scratch.grid.resize(size_t(gridRows) * gridCols);
  const int32_t* grid = scratch.grid.data();
  elasticGrid(rng, kernel, spacing, alpha, rows, cols, scratch.grid.data(), scratch);
  int shift = 0;
  while ((1 << shift) < spacing) ++shift;
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
    // Only the grids: warpImage interpolates the field at the pixels that may see ink.
    const size_t points = size_t(elasticGridSide(rows_, spacing_)) * elasticGridSide(cols_, spacing_);
    scratch.dx.resize(points);
    scratch.dy.resize(points);
    const double alpha = config_.elasticAlpha;
    const int32_t reachX = elasticGrid(rng, kernel_, spacing_, alpha, rows_, cols_, scratch.dx.data(), scratch.elastic);
    const int32_t reachY = elasticGrid(rng, kernel_, spacing_, alpha, rows_, cols_, scratch.dy.data(), scratch.elastic);
    w.dx = scratch.dx.data();
    w.dy = scratch.dy.data();
    w.spacing = spacing_;
    w.gridCols = elasticGridSide(cols_, spacing_);
    w.reach = std::max(reachX, reachY);
  }
  warpImage(in, rows_, cols_, w, out, scratch.warp);
}

}  // namespace digitrain
