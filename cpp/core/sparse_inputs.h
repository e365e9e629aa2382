// The first layer on sparse inputs. About 81% of MNIST pixels are exactly 0, and the first
// layer holds ~92% of the TP network's weights: its forward product z = Wᵀx and its update
// W −= η·x·eᵀ only need the rows of W whose input is non-zero. Indexing a chunk's non-zero
// inputs once (by sample for the forward pass, by input for the update) lets both products
// skip the zeros — the same sums without their zero terms, in a fixed order, so results
// stay deterministic. Dense inputs (more than half non-zero) keep the dense products.
#pragma once

#include <Eigen/Core>

#include "dense_kernels.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <algorithm>
#include <cstdint>
#include <vector>

namespace digitrain {

template <class T>
struct SparseInputs {
  bool active = false;
  // By sample (CSC): sample j's non-zero inputs are input[k], value[k] for k in
  // [sampleStart[j], sampleStart[j+1]), ascending.
  std::vector<int> sampleStart, input;
  std::vector<T> inputValue;
  // By input (CSR): `rows` lists the inputs non-zero in any sample, ascending; rows[r] is
  // non-zero in samples sample[k], value[k] for k in [rowStart[r], rowStart[r+1]), ascending.
  std::vector<int> rows, rowStart, sample;
  std::vector<int> inputStart, cursor;  // indexByInput's counts by input, for chunks of several samples
  std::vector<T> sampleValue;
  int budget = 0;   // the most non-zeros indexed; above it the chunk counts as dense
  int samples = 0;  // the chunk's sample count, B

  void resize(int inputs, int capacity) {
    active = false;
    budget = inputs * capacity / 2;
    sampleStart.assign(capacity + 1, 0);
    // Room for one more sample than the budget: the indexing loop checks after each sample.
    input.assign(budget + inputs, 0);
    inputValue.assign(budget + inputs, T(0));
    inputStart.assign(inputs + 1, 0);
    cursor.assign(inputs, 0);
    rows.clear();
    rows.reserve(inputs);
    rowStart.clear();
    rowStart.reserve(inputs + 1);
    sample.assign(budget, 0);
    sampleValue.assign(budget, T(0));
  }
};

namespace detail {

// Appends the positions and scaled values (scale·pixel) of the non-zero pixels of px[0:n];
// returns how many.
template <class T>
inline int appendNonzeroBytes(const uint8_t* px, int n, T scale, int* index, T* value) {
  int count = 0;
  int q = 0;
#if defined(__SSE2__)  // x86, and WebAssembly SIMD through Emscripten's SSE headers
  // 16 at a time: a bit mask of the non-zeros, then one step per set bit, so the zeros
  // (~81% of MNIST pixels) cost almost nothing and nothing branches on a pixel.
  const __m128i zero = _mm_setzero_si128();
  for (; q + 16 <= n; q += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(px + q));
    unsigned mask = ~unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, zero))) & 0xFFFFu;
    while (mask != 0) {
      const int b = __builtin_ctz(mask);
      mask &= mask - 1;
      index[count] = q + b;
      value[count] = T(px[q + b]) * scale;
      ++count;
    }
  }
#endif
  for (; q < n; ++q) {
    index[count] = q;
    value[count] = T(px[q]) * scale;
    count += px[q] != 0;
  }
  return count;
}

}  // namespace detail

// Indexes the non-zero pixels of B images of m bytes (imageAt(j) points at image j), as
// values scale·pixel, by sample; returns `active`: false when more than half are non-zero,
// where the dense products are faster (and then the caller fills the dense input columns).
template <class T, class ImageAt>
bool indexImages(SparseInputs<T>& s, const ImageAt& imageAt, int B, int m, T scale) {
  s.active = false;
  const long budget = static_cast<long>(m) * B / 2;
  if (budget > s.budget) return false;
  int nnz = 0;
  s.sampleStart[0] = 0;
  for (int j = 0; j < B; ++j) {
    nnz += detail::appendNonzeroBytes(imageAt(j), m, scale, s.input.data() + nnz, s.inputValue.data() + nnz);
    s.sampleStart[j + 1] = nnz;
    // Dense data (or a dense first sample, which most likely means dense data): stop here.
    if (nnz > budget || (j == 0 && 2 * nnz > m)) return false;
  }
  s.samples = B;
  s.active = true;
  return true;
}

// Adds the index by input (for the weight update) to an active index by sample.
template <class T>
void indexByInput(SparseInputs<T>& s, int inputs) {
  if (!s.active) return;
  const int B = s.samples, nnz = s.sampleStart[B];
  if (B == 1) {
    // One sample (the per-sample presets): its inputs, already ascending, are the rows, one
    // entry each. Counting by input below walks every input three times, ~5× the ~150
    // non-zeros of a digit, which cost ~9 % of a per-sample step.
    s.rows.assign(s.input.begin(), s.input.begin() + nnz);
    s.rowStart.resize(nnz + 1);
    for (int k = 0; k <= nnz; ++k) s.rowStart[k] = k;
    std::fill(s.sample.begin(), s.sample.begin() + nnz, 0);
    std::copy(s.inputValue.begin(), s.inputValue.begin() + nnz, s.sampleValue.begin());
    return;
  }
  std::fill(s.inputStart.begin(), s.inputStart.end(), 0);
  for (int k = 0; k < nnz; ++k) ++s.inputStart[s.input[k] + 1];
  s.rows.clear();
  s.rowStart.clear();
  for (int i = 0; i < inputs; ++i) {
    if (s.inputStart[i + 1] != 0) {
      s.rows.push_back(i);
      s.rowStart.push_back(s.inputStart[i]);
    }
    s.inputStart[i + 1] += s.inputStart[i];
  }
  s.rowStart.push_back(nnz);
  for (int i = 0; i < inputs; ++i) s.cursor[i] = s.inputStart[i];
  for (int j = 0; j < B; ++j)
    for (int k = s.sampleStart[j]; k < s.sampleStart[j + 1]; ++k) {
      const int c = s.cursor[s.input[k]]++;
      s.sample[c] = j;
      s.sampleValue[c] = s.inputValue[k];
    }
}

namespace detail {

using Eigen::internal::pmadd;
using Eigen::internal::pset1;

// out[0:P·lanes] (+)= alpha · Σ_k value[k]·base[index[k]·stride + …]: P SIMD registers of
// sums that stay in registers across the k loop (one load and one multiply-add per packet).
// Written with Eigen's packet primitives, so it is AVX-512, AVX, SSE or WebAssembly SIMD as
// the build's Eigen is: left to themselves, compilers vectorise this loop nest across k, with
// gathers.
template <int P, class T, class Packet = PacketOf<T>>
inline void combineBlock(const T* base, Eigen::Index stride, const int* index, const T* value, int count, T alpha,
                         T* out, bool accumulate) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  Packet acc[P];
  for (int p = 0; p < P; ++p) acc[p] = pset1<Packet>(T(0));
  for (int k = 0; k < count; ++k) {
    const Packet v = pset1<Packet>(value[k]);
    const T* r = base + index[k] * stride;
    for (int p = 0; p < P; ++p) acc[p] = pmadd(v, Eigen::internal::ploadu<Packet>(r + p * L), acc[p]);
  }
  const Packet a = pset1<Packet>(alpha);
  for (int p = 0; p < P; ++p) {
    Packet y = Eigen::internal::pmul(a, acc[p]);
    if (accumulate) y = Eigen::internal::padd(Eigen::internal::ploadu<Packet>(out + p * L), y);
    Eigen::internal::pstoreu(out + p * L, y);
  }
}

// The columns from c on, in one packet of each width from Packet's down while they fill one
// (the wider blocks have taken all they can; see NarrowerOf); returns the first column left
// for combineColumn.
template <class T, class Packet>
Eigen::Index combineNarrow(const T* base, Eigen::Index stride, Eigen::Index c, Eigen::Index n, const int* index,
                           const T* value, int count, T alpha, T* out, bool accumulate) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  if (c + L <= n) {
    combineBlock<1, T, Packet>(base + c, stride, index, value, count, alpha, out + c, accumulate);
    c += L;
  }
  if constexpr (kHasNarrower<Packet>)
    return combineNarrow<T, NarrowerOf<Packet>>(base, stride, c, n, index, value, count, alpha, out, accumulate);
  return c;
}

template <class T>
inline void combineColumn(const T* base, Eigen::Index stride, const int* index, const T* value, int count, T alpha,
                          T* out, bool accumulate) {
  T acc = 0;
  for (int k = 0; k < count; ++k) acc += value[k] * base[index[k] * stride];
  *out = accumulate ? *out + alpha * acc : alpha * acc;
}

}  // namespace detail

// out[0:n] = alpha·Σ_k value[k]·base[index[k]·stride + 0:n] (or += with `accumulate`): a
// combination of `count` rows of a matrix stored with `stride` between rows. Columns go in
// blocks of 8 SIMD registers, then narrower ones for the rest (30 or 75 hidden units).
template <class T>
void combineRows(const T* base, Eigen::Index stride, Eigen::Index n, const int* index, const T* value, int count,
                 T alpha, T* out, bool accumulate) {
  constexpr int L = detail::kLanes<T>;
  Eigen::Index c = 0;
  for (; c + 8 * L <= n; c += 8 * L)
    detail::combineBlock<8>(base + c, stride, index, value, count, alpha, out + c, accumulate);
  if (c + 4 * L <= n) {
    detail::combineBlock<4>(base + c, stride, index, value, count, alpha, out + c, accumulate);
    c += 4 * L;
  }
  if (c + 2 * L <= n) {
    detail::combineBlock<2>(base + c, stride, index, value, count, alpha, out + c, accumulate);
    c += 2 * L;
  }
  c = detail::combineNarrow<T, detail::PacketOf<T>>(base, stride, c, n, index, value, count, alpha, out, accumulate);
  for (; c < n; ++c) detail::combineColumn(base + c, stride, index, value, count, alpha, out + c, accumulate);
}

}  // namespace digitrain
