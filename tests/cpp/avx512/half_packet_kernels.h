// The AVX-512 build of conv_math.h's conv products and of the dense kernels' narrower-packet
// tails (half_packet_kernels.cpp), for the test next to it. Arguments as convProduct's,
// convOuterProduct's, productTransposed's, addOuterProduct's and combineRows'.
#pragma once

namespace digitrain::avx512 {

// Lanes of a half packet of T (8 floats, 4 doubles under AVX-512).
template <class T>
int lanes();
// Whether an n-column product fills no whole packet and takes only narrower ones.
template <class T>
bool narrowerPath(long n);
// z = Wᵀ·a.
template <class T>
void product(const T* W, long ldw, long m, long n, const T* a, long lda, long B, T* z, long ldz);
// W (+)= a·eᵀ.
template <class T>
void outerProduct(T* W, long ldw, long m, long n, const T* a, long lda, const T* e, long lde, long B, bool accumulate);

// The dense layers' products (dense_kernels.h): z = Wᵀ·a, and W += α·a·eᵀ (at B = 1 the
// one-sample kernel).
template <class T>
void denseProduct(const T* W, long ldw, long m, long n, const T* a, long lda, long B, T* z, long ldz);
template <class T>
void denseOuterProduct(T* W, long ldw, long m, long n, T alpha, const T* a, long lda, const T* e, long lde, long B);
// out[0:n] (+)= α·Σ_k value[k]·base[index[k]·stride + 0:n] (sparse_inputs.h).
template <class T>
void combine(const T* base, long stride, long n, const int* index, const T* value, int count, T alpha, T* out,
             bool accumulate);

}  // namespace digitrain::avx512
