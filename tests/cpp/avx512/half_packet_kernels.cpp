// The conv products of 8-filter layers (cpp/core/conv_math.h, in half packets) and the dense
// kernels' narrower-packet tails (dense_kernels.h, sparse_inputs.h), compiled with AVX-512,
// where those paths exist. Only this file is: its callers (half_packet_test.cpp) are
// built for any x86-64, so that the test can skip on a CPU without AVX-512 before running an
// instruction of it. The interface is raw pointers and plain types, so that no inline
// function (a std::vector's, an Eigen product's) is compiled here with AVX-512 and chosen by
// the linker for the other file.
#include "half_packet_kernels.h"

#include "conv_math.h"
#include "dense_kernels.h"
#include "sparse_inputs.h"

#if !defined(__AVX512F__)
#error "half_packet_kernels.cpp must be compiled with AVX-512 (-mavx512f); see CMakeLists.txt"
#endif

namespace digitrain::avx512 {

// Under AVX-512 a float packet is 16 lanes and its half 8 (a double's: 8 and 4); the path
// under test exists only then.
template <class T>
constexpr int kHalfLanes = Eigen::internal::unpacket_traits<detail::NarrowerOf<detail::PacketOf<T>>>::size;
static_assert(detail::kLanes<float> == 16 && kHalfLanes<float> == 8);
static_assert(detail::kLanes<double> == 8 && kHalfLanes<double> == 4);
// The dense kernels' tails take 8- then 4-float packets (4- then 2-double) before scalars.
static_assert(detail::kHasNarrower<detail::PacketOf<float>> && detail::kHasNarrower<detail::PacketOf<double>>);

template <class T>
int lanes() {
  return kHalfLanes<T>;
}
template <class T>
bool narrowerPath(long n) {
  return detail::narrowerOnly<detail::PacketOf<T>>(n);
}
template <class T>
void product(const T* W, long ldw, long m, long n, const T* a, long lda, long B, T* z, long ldz) {
  convProduct(W, ldw, m, n, a, lda, B, z, ldz);
}
template <class T>
void outerProduct(T* W, long ldw, long m, long n, const T* a, long lda, const T* e, long lde, long B, bool accumulate) {
  convOuterProduct(W, ldw, m, n, a, lda, e, lde, B, accumulate);
}

template <class T>
void denseProduct(const T* W, long ldw, long m, long n, const T* a, long lda, long B, T* z, long ldz) {
  productTransposed(W, ldw, m, n, a, lda, B, z, ldz);
}
template <class T>
void denseOuterProduct(T* W, long ldw, long m, long n, T alpha, const T* a, long lda, const T* e, long lde, long B) {
  addOuterProduct(W, ldw, m, n, alpha, a, lda, e, lde, B);
}
template <class T>
void combine(const T* base, long stride, long n, const int* index, const T* value, int count, T alpha, T* out,
             bool accumulate) {
  combineRows(base, stride, n, index, value, count, alpha, out, accumulate);
}

template int lanes<float>();
template int lanes<double>();
template bool narrowerPath<float>(long);
template bool narrowerPath<double>(long);
template void product<float>(const float*, long, long, long, const float*, long, long, float*, long);
template void product<double>(const double*, long, long, long, const double*, long, long, double*, long);
template void outerProduct<float>(float*, long, long, long, const float*, long, const float*, long, long, bool);
template void outerProduct<double>(double*, long, long, long, const double*, long, const double*, long, long, bool);

template void denseProduct<float>(const float*, long, long, long, const float*, long, long, float*, long);
template void denseProduct<double>(const double*, long, long, long, const double*, long, long, double*, long);
template void denseOuterProduct<float>(float*, long, long, long, float, const float*, long, const float*, long, long);
template void denseOuterProduct<double>(double*, long, long, long, double, const double*, long, const double*, long,
                                        long);
template void combine<float>(const float*, long, long, const int*, const float*, int, float, float*, bool);
template void combine<double>(const double*, long, long, const int*, const double*, int, double, double*, bool);

}  // namespace digitrain::avx512
