// The two dense products of training, written for this layout: weights row-major (input unit
// i's outgoing weights contiguous), activations and errors one column per sample.
//   forward:  z[:, j]  = Σ_i a(i, j)·W[i, :]           (z = Wᵀ·a)
//   update:   W[i, :] (+)= α·Σ_j a(i, j)·e[:, j]       (W += α·a·eᵀ)
// Each is a register block of sums (samples × SIMD packets of output columns, or rows of W ×
// packets) kept in registers over the whole reduction, reading W, a and e where they lie.
// Eigen's general product packs both operands into panels on every call and its kernel,
// compiled to WebAssembly, runs at ~24 GFLOP/s here against ~36 for these blocks (native
// x86-64-v2: ~37 for Eigen, ~40 for these); `npm run bench` shows what that does to training.
// Every output element is one sum over i (or j) in ascending order, and whether a column is
// summed in a packet or alone depends only on its position among the n columns: a sample's
// outputs are the same bits whichever samples share its chunk.
#pragma once

#include <Eigen/Core>

namespace digitrain {

namespace detail {

using Eigen::Index;
using Eigen::internal::padd;
using Eigen::internal::ploadu;
using Eigen::internal::pmadd;
using Eigen::internal::pmul;
using Eigen::internal::pset1;
using Eigen::internal::pstoreu;

template <class T>
using PacketOf = typename Eigen::internal::packet_traits<T>::type;
template <class T>
constexpr int kLanes = Eigen::internal::unpacket_traits<PacketOf<T>>::size;

// The next narrower packet (AVX-512's 16 floats: 8, then 4), and whether there is one. The
// columns a whole packet does not cover go in narrower packets before any goes alone: with
// AVX-512 a 10-output layer was otherwise summed column by column in scalars, and so were a
// 200-unit layer's last 8, a 30-unit layer's last 14 (natively slower than at SSE's 4 lanes).
// A column's path still depends only on its position among the n columns. WebAssembly's and
// SSE's 4 floats have no narrower packet: their paths are unchanged.
template <class Packet>
using NarrowerOf = typename Eigen::internal::unpacket_traits<Packet>::half;
template <class Packet>
constexpr bool kHasNarrower =
    Eigen::internal::unpacket_traits<NarrowerOf<Packet>>::size < Eigen::internal::unpacket_traits<Packet>::size;

// Whether n columns fill no whole Packet and take only narrower ones (and scalars): an
// 8-filter conv layer's outputs under AVX-512's 16 floats. Such a product holds one packet of
// sums per row (or sample) of its block, so the kernels below take a block of NarrowRows of
// them there, a caller's choice (more rows share each packet of W, or e, loaded).
template <class Packet>
constexpr bool narrowerOnly(Index n) {
  if constexpr (kHasNarrower<Packet>) return n < Eigen::internal::unpacket_traits<Packet>::size;
  return false;
}

// Register blocks: kBlockRows samples (or rows of W) × kBlockPackets packets of sums, plus the
// packets of W (or e) and a broadcast, must fit the SIMD registers. V8 gives WebAssembly 15
// on x86-64 and spills beyond ~12 live vectors: training in Chromium and Node measured best
// at 2×4 (4×2: 5–10% slower, 3×3: 7–25%, 3×4: 15–20%). Native x86-64 has 16 (SSE/AVX) or
// 32 (AVX-512) registers: 3×4 measured best.
#if defined(DIGITRAIN_BLOCK_ROWS) && defined(DIGITRAIN_BLOCK_PACKETS)  // to measure others
constexpr int kBlockRows = DIGITRAIN_BLOCK_ROWS, kBlockPackets = DIGITRAIN_BLOCK_PACKETS;
#elif defined(__wasm__)
constexpr int kBlockRows = 2, kBlockPackets = 4;
#else
constexpr int kBlockRows = 3, kBlockPackets = 4;
#endif

// z_s[0 : P·lanes] = Σ_i a_s[i]·W[i, 0 : P·lanes] for the S samples a_s = a + s·lda.
template <int S, int P, class T, class Packet>
inline void productBlock(const T* W, Index ldw, Index m, const T* a, Index lda, T* z, Index ldz) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  Packet acc[S][P];
  for (int s = 0; s < S; ++s)
    for (int p = 0; p < P; ++p) acc[s][p] = pset1<Packet>(T(0));
  for (Index i = 0; i < m; ++i) {
    const T* w = W + i * ldw;
    Packet wp[P];
    for (int p = 0; p < P; ++p) wp[p] = ploadu<Packet>(w + p * L);
    for (int s = 0; s < S; ++s) {
      const Packet x = pset1<Packet>(a[s * lda + i]);
      for (int p = 0; p < P; ++p) acc[s][p] = pmadd(x, wp[p], acc[s][p]);
    }
  }
  for (int s = 0; s < S; ++s)
    for (int p = 0; p < P; ++p) pstoreu(z + s * ldz + p * L, acc[s][p]);
}

// One output column (the ones a whole packet does not cover).
template <int S, class T>
inline void productColumn(const T* W, Index ldw, Index m, const T* a, Index lda, T* z, Index ldz) {
  T acc[S] = {};
  for (Index i = 0; i < m; ++i)
    for (int s = 0; s < S; ++s) acc[s] += a[s * lda + i] * W[i * ldw];
  for (int s = 0; s < S; ++s) z[s * ldz] = acc[s];
}

// WebAssembly: each kernel stays a function of its own. Inlined into its caller (LLVM did so
// into the conv layers' passes, frontForward and frontBackward) V8's register allocator kept
// the caller's values live through the kernel's loop and stored and reloaded all 8 sums of the
// block at every turn of it; alone it keeps them in registers, as outerRows always was.
#if defined(__wasm__)
#define DIGITRAIN_KERNEL_NOINLINE __attribute__((noinline))
#else
#define DIGITRAIN_KERNEL_NOINLINE
#endif

template <int S, int P, class T, class Packet>
DIGITRAIN_KERNEL_NOINLINE void productSamples(const T* W, Index ldw, Index m, Index n, const T* a, Index lda, T* z,
                                              Index ldz) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  Index c = 0;
  for (; c + P * L <= n; c += P * L) productBlock<S, P, T, Packet>(W + c, ldw, m, a, lda, z + c, ldz);
  for (; c + L <= n; c += L) productBlock<S, 1, T, Packet>(W + c, ldw, m, a, lda, z + c, ldz);
  if constexpr (kHasNarrower<Packet>) {
    if (c < n) return productSamples<S, 1, T, NarrowerOf<Packet>>(W + c, ldw, m, n - c, a, lda, z + c, ldz);
  }
  for (; c < n; ++c) productColumn<S>(W + c, ldw, m, a, lda, z + c, ldz);
}

// The last r < kBlockRows samples, as one block of exactly r.
template <int S, int P, class T, class Packet>
void productRemainder(int r, const T* W, Index ldw, Index m, Index n, const T* a, Index lda, T* z, Index ldz) {
  if constexpr (S > 0) {
    if (r == S) productSamples<S, P, T, Packet>(W, ldw, m, n, a, lda, z, ldz);
    else productRemainder<S - 1, P, T, Packet>(r, W, ldw, m, n, a, lda, z, ldz);
  }
}

// W[r, 0 : P·lanes] (+)= α·Σ_j a_r[j·lda]·e_j[0 : P·lanes] for the R rows r, with e_j = e + j·lde.
template <int R, int P, class T, class Packet>
inline void outerBlock(T* W, Index ldw, T alpha, const T* a, Index lda, const T* e, Index lde, Index B,
                       bool accumulate) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  Packet acc[R][P];
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) acc[r][p] = pset1<Packet>(T(0));
  for (Index j = 0; j < B; ++j) {
    const T* ej = e + j * lde;
    Packet ep[P];
    for (int p = 0; p < P; ++p) ep[p] = ploadu<Packet>(ej + p * L);
    for (int r = 0; r < R; ++r) {
      const Packet x = pset1<Packet>(a[j * lda + r]);
      for (int p = 0; p < P; ++p) acc[r][p] = pmadd(x, ep[p], acc[r][p]);
    }
  }
  const Packet scale = pset1<Packet>(alpha);
  for (int r = 0; r < R; ++r)
    for (int p = 0; p < P; ++p) {
      T* out = W + r * ldw + p * L;
      const Packet v = pmul(scale, acc[r][p]);
      pstoreu(out, accumulate ? padd(ploadu<Packet>(out), v) : v);
    }
}

template <int R, class T>
inline void outerColumn(T* W, Index ldw, T alpha, const T* a, Index lda, const T* e, Index lde, Index B,
                        bool accumulate) {
  T acc[R] = {};
  for (Index j = 0; j < B; ++j)
    for (int r = 0; r < R; ++r) acc[r] += a[j * lda + r] * e[j * lde];
  for (int r = 0; r < R; ++r) W[r * ldw] = accumulate ? W[r * ldw] + alpha * acc[r] : alpha * acc[r];
}

template <int R, int P, class T, class Packet>
DIGITRAIN_KERNEL_NOINLINE void outerRows(T* W, Index ldw, Index n, T alpha, const T* a, Index lda, const T* e,
                                         Index lde, Index B, bool accumulate) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  Index c = 0;
  for (; c + P * L <= n; c += P * L) outerBlock<R, P, T, Packet>(W + c, ldw, alpha, a, lda, e + c, lde, B, accumulate);
  for (; c + L <= n; c += L) outerBlock<R, 1, T, Packet>(W + c, ldw, alpha, a, lda, e + c, lde, B, accumulate);
  if constexpr (kHasNarrower<Packet>) {
    if (c < n)
      return outerRows<R, 1, T, NarrowerOf<Packet>>(W + c, ldw, n - c, alpha, a, lda, e + c, lde, B, accumulate);
  }
  for (; c < n; ++c) outerColumn<R>(W + c, ldw, alpha, a, lda, e + c, lde, B, accumulate);
}

template <int R, int P, class T, class Packet>
void outerRemainder(int r, T* W, Index ldw, Index n, T alpha, const T* a, Index lda, const T* e, Index lde, Index B,
                    bool accumulate) {
  if constexpr (R > 0) {
    if (r == R) outerRows<R, P, T, Packet>(W, ldw, n, alpha, a, lda, e, lde, B, accumulate);
    else outerRemainder<R - 1, P, T, Packet>(r, W, ldw, n, alpha, a, lda, e, lde, B, accumulate);
  }
}

// W[r_k, 0 : P·lanes] += α·(x_k·e[0 : P·lanes]) for k < count, r_k = rows[k] (k when rows is
// null): one sample's update (B = 1) of the listed rows, e's packets loaded once for all rows.
template <int P, class T, class Packet>
inline void rankOneBlock(T* W, Index ldw, const int* rows, const T* x, Index count, T alpha, const T* e) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  Packet ep[P];
  for (int p = 0; p < P; ++p) ep[p] = ploadu<Packet>(e + p * L);
  const Packet zero = pset1<Packet>(T(0)), scale = pset1<Packet>(alpha);
  for (Index k = 0; k < count; ++k) {
    T* out = W + (rows ? rows[k] : k) * ldw;
    const Packet xk = pset1<Packet>(x[k]);
    for (int p = 0; p < P; ++p)
      pstoreu(out + p * L, padd(ploadu<Packet>(out + p * L), pmul(scale, pmadd(xk, ep[p], zero))));
  }
}

// The columns from c on, in one packet of each width from Packet's down while they fill one
// (the wider widths have taken all they can); returns the first column left for scalars.
template <class T, class Packet>
Index rankOneNarrow(T* W, Index ldw, Index c, Index n, const int* rows, const T* x, Index count, T alpha, const T* e) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  if (c + L <= n) {
    rankOneBlock<1, T, Packet>(W + c, ldw, rows, x, count, alpha, e + c);
    c += L;
  }
  if constexpr (kHasNarrower<Packet>)
    return rankOneNarrow<T, NarrowerOf<Packet>>(W, ldw, c, n, rows, x, count, alpha, e);
  return c;
}

}  // namespace detail

// The SIMD operations these kernels spend on one row of n columns: a packet's for each whole
// one, then one of each narrower width that fits, then one per column left (see NarrowerOf).
// What a column of the update costs depends on where it falls: a 10-output layer's row takes 3
// natively with AVX-512 (8 lanes, 2 scalars) where a 16-column line takes 1.
template <class T, class Packet = detail::PacketOf<T>>
constexpr Eigen::Index rowOperations(Eigen::Index n) {
  constexpr int L = Eigen::internal::unpacket_traits<Packet>::size;
  if constexpr (detail::kHasNarrower<Packet>) return n / L + rowOperations<T, detail::NarrowerOf<Packet>>(n % L);
  return n / L + n % L;
}

// z[:, j] = Σ_i a(i, j)·W[i, :] for j < B: z = Wᵀ·a, W m×n row-major with row stride ldw,
// a m×B and z n×B column-major with column strides lda and ldz. S and P: the register block
// (samples × packets), chosen for the target; tests instantiate the other targets' too.
// Packet: the SIMD type of a packet of sums; NarrowRows: the samples per block where n fills
// no whole Packet (see narrowerOnly), S unless the caller's products are that narrow.
template <int S = detail::kBlockRows, int P = detail::kBlockPackets, class T, class Packet = detail::PacketOf<T>,
          int NarrowRows = S>
void productTransposed(const T* W, Eigen::Index ldw, Eigen::Index m, Eigen::Index n, const T* a, Eigen::Index lda,
                       Eigen::Index B, T* z, Eigen::Index ldz) {
  if constexpr (detail::kHasNarrower<Packet>) {
    if (detail::narrowerOnly<Packet>(n))
      return productTransposed<NarrowRows, 1, T, detail::NarrowerOf<Packet>, NarrowRows>(W, ldw, m, n, a, lda, B, z,
                                                                                         ldz);
  }
  Eigen::Index j = 0;
  for (; j + S <= B; j += S) detail::productSamples<S, P, T, Packet>(W, ldw, m, n, a + j * lda, lda, z + j * ldz, ldz);
  detail::productRemainder<S - 1, P, T, Packet>(static_cast<int>(B - j), W, ldw, m, n, a + j * lda, lda, z + j * ldz,
                                                ldz);
}

// W[r_k, :] += α·x_k·eᵀ for k < count, with r_k = rows[k] (k when rows is null; ascending or
// not, each row once), W's rows n wide at stride ldw and e n long: W += α·x·eᵀ for a single
// sample, dense (x = a, every row) or sparse (the non-zero inputs). The general kernels reload
// e's packets for every few rows, and the sparse one starts a call per row; at one sample per
// step they are most of the update, which this walks a block of columns at a time, e's packets
// held in registers over every row. The same operations on each element as addOuterProduct
// and combineRows at B = 1 (a sum started at +0, times α, added to W), so the same bits.
template <class T>
void addRankOne(T* W, Eigen::Index ldw, Eigen::Index n, const int* rows, const T* x, Eigen::Index count, T alpha,
                const T* e) {
  using Packet = detail::PacketOf<T>;
  constexpr int L = detail::kLanes<T>;
  Eigen::Index c = 0;
  for (; c + 8 * L <= n; c += 8 * L) detail::rankOneBlock<8, T, Packet>(W + c, ldw, rows, x, count, alpha, e + c);
  if (c + 4 * L <= n) {
    detail::rankOneBlock<4, T, Packet>(W + c, ldw, rows, x, count, alpha, e + c);
    c += 4 * L;
  }
  if (c + 2 * L <= n) {
    detail::rankOneBlock<2, T, Packet>(W + c, ldw, rows, x, count, alpha, e + c);
    c += 2 * L;
  }
  c = detail::rankOneNarrow<T, Packet>(W, ldw, c, n, rows, x, count, alpha, e);
  for (Eigen::Index k = 0; c < n && k < count; ++k) {
    T* row = W + (rows ? rows[k] : k) * ldw;
    for (Eigen::Index j = c; j < n; ++j) detail::outerColumn<1>(row + j, ldw, alpha, x + k, 0, e + j, 0, 1, true);
  }
}

// W[i, :] += α·Σ_j a(i, j)·e[:, j] (or = without `accumulate`): W += α·a·eᵀ over the m×n
// block of W at W (row stride ldw), a m×B and e n×B column-major (column strides lda, lde).
// R and P: the register block (rows × packets); Packet and NarrowRows as for productTransposed.
template <int R = detail::kBlockRows, int P = detail::kBlockPackets, class T, class Packet = detail::PacketOf<T>,
          int NarrowRows = R>
void addOuterProduct(T* W, Eigen::Index ldw, Eigen::Index m, Eigen::Index n, T alpha, const T* a, Eigen::Index lda,
                     const T* e, Eigen::Index lde, Eigen::Index B, bool accumulate = true) {
  if (B == 1 && accumulate && Eigen::internal::unpacket_traits<Packet>::size == detail::kLanes<T>) {
    addRankOne(W, ldw, n, static_cast<const int*>(nullptr), a, m, alpha, e);
    return;
  }
  if constexpr (detail::kHasNarrower<Packet>) {
    if (detail::narrowerOnly<Packet>(n))
      return addOuterProduct<NarrowRows, 1, T, detail::NarrowerOf<Packet>, NarrowRows>(W, ldw, m, n, alpha, a, lda, e,
                                                                                       lde, B, accumulate);
  }
  Eigen::Index i = 0;
  for (; i + R <= m; i += R)
    detail::outerRows<R, P, T, Packet>(W + i * ldw, ldw, n, alpha, a + i, lda, e, lde, B, accumulate);
  detail::outerRemainder<R - 1, P, T, Packet>(static_cast<int>(m - i), W + i * ldw, ldw, n, alpha, a + i, lda, e, lde,
                                              B, accumulate);
}

}  // namespace digitrain
