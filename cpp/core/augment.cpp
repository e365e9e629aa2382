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

void warpImage(const uint8_t* in, int rows, int cols, const Warp& w, uint8_t* out) {
  // Twice the position relative to the centre, less the shift, in fixed point: the centre
  // (cols−1)/2 may be a half pixel, so doubling keeps it exact.
  const int64_t centreX2 = int64_t(cols - 1) * kFixedOne, centreY2 = int64_t(rows - 1) * kFixedOne;
  for (int y = 0; y < rows; ++y) {
    const int64_t v = int64_t(2 * y) * kFixedOne - centreY2 - 2 * w.shiftY;
    for (int x = 0; x < cols; ++x) {
      const int64_t u = int64_t(2 * x) * kFixedOne - centreX2 - 2 * w.shiftX;
      // A·(u, v) is in 2⁻³² units of a doubled position: shift by 17 for fixed point.
      int64_t sx = roundShift(w.a[0] * u + w.a[1] * v + centreX2 * kFixedOne, kFixedBits + 1);
      int64_t sy = roundShift(w.a[2] * u + w.a[3] * v + centreY2 * kFixedOne, kFixedBits + 1);
      if (w.dx) {
        sx += w.dx[y * cols + x];
        sy += w.dy[y * cols + x];
      }
      const int64_t ix = sx >> kFixedBits, iy = sy >> kFixedBits;  // floor
      uint8_t& o = out[y * cols + x];
      if (ix < -1 || iy < -1 || ix >= cols || iy >= rows) {
        o = 0;
        continue;
      }
      const int64_t fx = sx & (kFixedOne - 1), fy = sy & (kFixedOne - 1);
      const auto at = [&](int64_t px, int64_t py) -> int64_t {
        return px < 0 || py < 0 || px >= cols || py >= rows ? 0 : in[py * cols + px];
      };
      const int64_t top = at(ix, iy) * (kFixedOne - fx) + at(ix + 1, iy) * fx;
      const int64_t bottom = at(ix, iy + 1) * (kFixedOne - fx) + at(ix + 1, iy + 1) * fx;
      o = static_cast<uint8_t>(roundShift(top * (kFixedOne - fy) + bottom * fy, 2 * kFixedBits));
    }
  }
}

std::vector<int32_t> gaussianKernel(double sigma) {
  const int r = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> g(2 * r + 1);
  double sum = 0;
  for (int i = -r; i <= r; ++i) sum += g[i + r] = expNonPositive(-double(i * i) / (2 * sigma * sigma));
  std::vector<int32_t> k(g.size());
  int64_t total = 0;
  for (size_t i = 0; i < g.size(); ++i) total += k[i] = static_cast<int32_t>(toFixed(g[i] / sum));
  k[r] += static_cast<int32_t>(kFixedOne - total);  // the rounding's remainder, so Σk = 1 exactly
  return k;
}

void elasticField(Rng& rng, const std::vector<int32_t>& kernel, double alpha, int rows, int cols, int32_t* field,
                  std::vector<int32_t>& scratch) {
  const int n = rows * cols, r = static_cast<int>(kernel.size() / 2);
  scratch.resize(n);
  // Uniform in [−1, 1) as 16-bit fractions.
  for (int i = 0; i < n; ++i) field[i] = static_cast<int32_t>(rng.next() >> 47) - (1 << 16);
  // Along rows into scratch, then along columns back into field; each pass sums to 1.
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) {
      int64_t acc = 0;
      for (int t = std::max(-r, -x); t <= std::min(r, cols - 1 - x); ++t)
        acc += int64_t(kernel[t + r]) * field[y * cols + x + t];
      scratch[y * cols + x] = static_cast<int32_t>(roundShift(acc, kFixedBits));
    }
  const int64_t alphaFixed = toFixed(alpha);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) {
      int64_t acc = 0;
      for (int t = std::max(-r, -y); t <= std::min(r, rows - 1 - y); ++t)
        acc += int64_t(kernel[t + r]) * scratch[(y + t) * cols + x];
      // acc: a fraction of 1 in 2⁻³² units; times α (2⁻¹⁶ units) → pixels in 2⁻¹⁶ units.
      field[y * cols + x] = static_cast<int32_t>(roundShift(roundShift(acc, kFixedBits) * alphaFixed, kFixedBits));
    }
}

bool augments(const TrainConfig& c) {
  return c.augment && (c.augmentShift > 0 || c.augmentRotation > 0 || c.augmentScale > 0 || c.augmentShear > 0 ||
                       c.elasticAlpha > 0);
}

Augmenter::Augmenter(const TrainConfig& config, int rows, int cols)
    : config_(config), rows_(rows), cols_(cols), active_(augments(config)) {
  elastic_ = active_ && config.elasticAlpha > 0;
  if (elastic_) kernel_ = gaussianKernel(config.elasticSigma);
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
    elasticField(rng, kernel_, config_.elasticAlpha, rows_, cols_, scratch.dx.data(), scratch.pass);
    elasticField(rng, kernel_, config_.elasticAlpha, rows_, cols_, scratch.dy.data(), scratch.pass);
    w.dx = scratch.dx.data();
    w.dy = scratch.dy.data();
  }
  warpImage(in, rows_, cols_, w, out);
}

}  // namespace digitrain
