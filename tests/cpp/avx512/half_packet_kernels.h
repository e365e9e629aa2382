// The AVX-512 build of conv_math.h's conv products (half_packet_kernels.cpp), for the test
// next to it. Arguments as convProduct's and convOuterProduct's.
#pragma once

namespace digitrain::avx512 {

// Lanes of a half packet of T (8 floats, 4 doubles under AVX-512).
template <class T>
int lanes();
// Whether an n-column product takes the half-packet path.
template <class T>
bool halfPath(long n);
// z = Wᵀ·a.
template <class T>
void product(const T* W, long ldw, long m, long n, const T* a, long lda, long B, T* z, long ldz);
// W (+)= a·eᵀ.
template <class T>
void outerProduct(T* W, long ldw, long m, long n, const T* a, long lda, const T* e, long lde, long B, bool accumulate);

}  // namespace digitrain::avx512
