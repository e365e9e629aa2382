// The conv products' AVX-512 half-packet path (cpp/core/conv_math.h: a layer of 8 filters
// takes dense_kernels.h's narrower-packet path, 8-float packets in blocks of its own rows,
// instead of the scalar column path), and the dense kernels' narrower-packet tails (the columns a 16-float packet does
// not cover: 8, then 4, then scalars), against Eigen, on many shapes. The main test suite builds for x86-64-v2, where
// that path does not exist; this test's kernels are compiled with AVX-512 (half_packet_kernels.cpp) and the test skips
// on a CPU without it. The reference and the checks here are built for any x86-64.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "half_packet_kernels.h"

namespace digitrain {
namespace {

using Eigen::Index;
template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using RowMap = Eigen::Map<const RowMajor<T>, 0, Eigen::OuterStride<>>;
template <class T>
using ColMap = Eigen::Map<const ColMajor<T>, 0, Eigen::OuterStride<>>;

// Why the test cannot run here, or empty when it can.
std::string missingAvx512() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // The builtin takes only string literals.
  if (!__builtin_cpu_supports("avx512f")) return "this CPU has no AVX-512F (the kernels are compiled for AVX-512)";
  if (!__builtin_cpu_supports("avx512dq")) return "this CPU has no AVX-512DQ (the kernels are compiled for AVX-512)";
  if (!__builtin_cpu_supports("avx512vl")) return "this CPU has no AVX-512VL (the kernels are compiled for AVX-512)";
  if (!__builtin_cpu_supports("avx512bw")) return "this CPU has no AVX-512BW (the kernels are compiled for AVX-512)";
  return "";
#else
  return "not an x86 CPU";
#endif
}

#define SKIP_WITHOUT_AVX512()                                  \
  if (const std::string why = missingAvx512(); !why.empty()) { \
    GTEST_SKIP() << why;                                       \
  }

template <class T>
std::vector<T> randomValues(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> out(count);
  for (T& x : out) x = T(u(rng));
  return out;
}

template <class T>
double tolerance() {
  return sizeof(T) == 4 ? 1e-5 : 1e-13;
}

const std::vector<Index> kInputs = {1, 2, 5, 12, 13, 25, 75, 200};
const std::vector<Index> kSamples = {1, 2, 3, 5, 7, 11, 12, 13, 24, 25, 37, 64};
const Index kPad = 3;  // strides wider than the operands: a product must read and write inside

// The column counts to try: the half packet's (and twice it, under the full packet's lanes for
// double), and some that take the other paths.
template <class T>
std::vector<Index> outputCounts() {
  const Index h = avx512::lanes<T>();
  return {1, 3, h, 2 * h, 3 * h, h + 1, 16, 17, 33};
}

// One shape of z = Wᵀ·a through `product` (productTransposed's arguments) against Eigen in
// double; nothing written past the n columns.
template <class T, class Product>
void checkProductShape(const Product& product, Index m, Index n, Index B) {
  const Index ldw = n + kPad, lda = m + kPad, ldz = n + kPad;
  const std::vector<T> W = randomValues<T>(size_t(m * ldw), uint32_t(m * 131 + n));
  const std::vector<T> a = randomValues<T>(size_t(B * lda), uint32_t(B * 17 + m));
  std::vector<T> z(size_t(B * ldz), T(7));
  product(W.data(), ldw, m, n, a.data(), lda, B, z.data(), ldz);
  const ColMajor<double> expected =
      RowMap<T>(W.data(), m, n, Eigen::OuterStride<>(ldw)).template cast<double>().transpose() *
      ColMap<T>(a.data(), m, B, Eigen::OuterStride<>(lda)).template cast<double>();
  const double scale = std::max(1.0, expected.cwiseAbs().maxCoeff());
  for (Index j = 0; j < B; ++j) {
    for (Index c = 0; c < n; ++c)
      ASSERT_LT(std::abs(double(z[size_t(j * ldz + c)]) - expected(c, j)) / scale, tolerance<T>())
          << "m=" << m << " n=" << n << " B=" << B << " column " << c;
    for (Index c = n; c < ldz; ++c) ASSERT_EQ(z[size_t(j * ldz + c)], T(7)) << "wrote past column " << n;
  }
}

// One shape of W (+)= α·a·eᵀ through `update(W, ldw, a, lda, e, lde)` against Eigen in double.
template <class T, class Update>
void checkOuterShape(const Update& update, Index m, Index n, Index B, T alpha, bool accumulate) {
  const Index ldw = n + kPad, lda = m + kPad, lde = n + kPad;
  const std::vector<T> a = randomValues<T>(size_t(B * lda), uint32_t(B * 29 + m));
  const std::vector<T> e = randomValues<T>(size_t(B * lde), uint32_t(B * 31 + n));
  std::vector<T> W = randomValues<T>(size_t(m * ldw), uint32_t(m * 37 + n));
  const std::vector<T> before = W;
  update(W.data(), ldw, a.data(), lda, e.data(), lde);
  ColMajor<double> expected = double(alpha) *
                              ColMap<T>(a.data(), m, B, Eigen::OuterStride<>(lda)).template cast<double>() *
                              ColMap<T>(e.data(), n, B, Eigen::OuterStride<>(lde)).template cast<double>().transpose();
  if (accumulate) expected += RowMap<T>(before.data(), m, n, Eigen::OuterStride<>(ldw)).template cast<double>();
  const double scale = std::max(1.0, expected.cwiseAbs().maxCoeff());
  for (Index i = 0; i < m; ++i) {
    for (Index c = 0; c < n; ++c)
      ASSERT_LT(std::abs(double(W[size_t(i * ldw + c)]) - expected(i, c)) / scale, tolerance<T>())
          << "m=" << m << " n=" << n << " B=" << B << " accumulate=" << accumulate << " column " << c;
    for (Index c = n; c < ldw; ++c)
      ASSERT_EQ(W[size_t(i * ldw + c)], before[size_t(i * ldw + c)]) << "wrote past column " << n;
  }
}

template <class T>
void checkProduct() {
  int halfShapes = 0;
  for (Index n : outputCounts<T>()) {
    if (avx512::narrowerPath<T>(n)) ++halfShapes;
    for (Index m : kInputs)
      for (Index B : kSamples) checkProductShape<T>(avx512::product<T>, m, n, B);
  }
  EXPECT_GT(halfShapes, 0) << "no shape took the half-packet path";
}

template <class T>
void checkOuterProduct() {
  int halfShapes = 0;
  for (Index n : outputCounts<T>()) {
    if (avx512::narrowerPath<T>(n)) ++halfShapes;
    for (Index m : kInputs)
      for (Index B : kSamples)
        for (bool accumulate : {false, true})
          checkOuterShape<T>([&](T* W, Index ldw, const T* a, Index lda, const T* e,
                                 Index lde) { avx512::outerProduct<T>(W, ldw, m, n, a, lda, e, lde, B, accumulate); },
                             m, n, B, T(1), accumulate);
  }
  EXPECT_GT(halfShapes, 0) << "no shape took the half-packet path";
}

TEST(HalfPacketConv, ProductMatchesEigenFloat) {
  SKIP_WITHOUT_AVX512();
  checkProduct<float>();
}
TEST(HalfPacketConv, ProductMatchesEigenDouble) {
  SKIP_WITHOUT_AVX512();
  checkProduct<double>();
}
TEST(HalfPacketConv, OuterProductMatchesEigenFloat) {
  SKIP_WITHOUT_AVX512();
  checkOuterProduct<float>();
}
TEST(HalfPacketConv, OuterProductMatchesEigenDouble) {
  SKIP_WITHOUT_AVX512();
  checkOuterProduct<double>();
}
// Every column count up to three full packets and the presets' layer widths: each tail of
// narrower packets and scalars.
std::vector<Index> denseWidths() {
  std::vector<Index> n;
  for (Index c = 1; c <= 49; ++c) n.push_back(c);
  for (Index c : {64, 75, 100, 128, 200, 256, 300, 800}) n.push_back(c);
  return n;
}

template <class T>
void checkDense() {
  const T alpha = T(-0.75);
  for (Index n : denseWidths())
    for (Index m : {Index(1), Index(5), Index(13), Index(75)})
      for (Index B : {Index(1), Index(2), Index(3), Index(7), Index(64)}) {
        checkProductShape<T>(avx512::denseProduct<T>, m, n, B);
        checkOuterShape<T>([&](T* W, Index ldw, const T* a, Index lda, const T* e,
                               Index lde) { avx512::denseOuterProduct<T>(W, ldw, m, n, alpha, a, lda, e, lde, B); },
                           m, n, B, alpha, true);
      }
}

template <class T>
void checkCombine() {
  for (Index n : denseWidths())
    for (bool accumulate : {false, true}) {
      const Index rows = 40, stride = n + kPad;
      const std::vector<T> base = randomValues<T>(size_t(rows * stride), uint32_t(n * 7 + 1));
      const std::vector<int> index = {0, 3, 4, 17, 39, 22};
      const std::vector<T> value = randomValues<T>(index.size(), uint32_t(n));
      std::vector<T> out = randomValues<T>(size_t(n + kPad), uint32_t(n * 3 + 2));
      const std::vector<T> before = out;
      const T alpha = T(0.5);
      avx512::combine<T>(base.data(), stride, n, index.data(), value.data(), int(index.size()), alpha, out.data(),
                         accumulate);
      for (Index c = 0; c < n; ++c) {
        double sum = 0;
        for (size_t k = 0; k < index.size(); ++k) sum += double(value[k]) * double(base[size_t(index[k] * stride + c)]);
        const double expected = double(alpha) * sum + (accumulate ? double(before[size_t(c)]) : 0.0);
        ASSERT_LT(std::abs(double(out[size_t(c)]) - expected), tolerance<T>() * 10)
            << "n=" << n << " column " << c << " accumulate=" << accumulate;
      }
      for (Index c = n; c < n + kPad; ++c) ASSERT_EQ(out[size_t(c)], before[size_t(c)]) << "wrote past column " << n;
    }
}

TEST(NarrowerPacketDense, ProductsMatchEigenFloat) {
  SKIP_WITHOUT_AVX512();
  checkDense<float>();
}
TEST(NarrowerPacketDense, ProductsMatchEigenDouble) {
  SKIP_WITHOUT_AVX512();
  checkDense<double>();
}
TEST(NarrowerPacketDense, SparseRowCombinationsMatchFloat) {
  SKIP_WITHOUT_AVX512();
  checkCombine<float>();
}
TEST(NarrowerPacketDense, SparseRowCombinationsMatchDouble) {
  SKIP_WITHOUT_AVX512();
  checkCombine<double>();
}

TEST(HalfPacketConv, TheNarrowerPathTakesTheProductsNoWholePacketFills) {
  SKIP_WITHOUT_AVX512();
  // An 8-filter layer (float) and a 4-filter one (double) fill half a packet; any count under
  // a full packet's lanes takes the narrower packets alone (and scalars for what is left).
  EXPECT_EQ(avx512::lanes<float>(), 8);
  EXPECT_EQ(avx512::lanes<double>(), 4);
  EXPECT_TRUE(avx512::narrowerPath<float>(8));
  EXPECT_TRUE(avx512::narrowerPath<float>(7));
  EXPECT_TRUE(avx512::narrowerPath<float>(15));
  EXPECT_FALSE(avx512::narrowerPath<float>(16));
  EXPECT_FALSE(avx512::narrowerPath<float>(17));
  EXPECT_TRUE(avx512::narrowerPath<double>(4));
  EXPECT_TRUE(avx512::narrowerPath<double>(6));
  EXPECT_FALSE(avx512::narrowerPath<double>(8));
}

}  // namespace
}  // namespace digitrain
