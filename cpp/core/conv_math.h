// Forward and backward passes of the conv/pool front (conv.h) over a chunk of samples,
// templated on the scalar like layer_math.h (float to train, double in the inspector).
//
// Shapes (B samples, one column each; maps HWC, see conv.h; front layer l reads an
// H×W×C map and writes H'×W'×C'; P = H'·W' output positions, K = k·k·C patch values):
//   x[0]        H·W·C × B       the images (C = 1)
//   col         K × P·G         the patches of a group of G samples side by side: column
//                               (j, p) = the k×k×C window of sample j's output position p,
//                               zero outside the map (im2col)
//   conv:  z_p  = Wᵀ·col(:, p) + b,  x[l+1](:, p) = f(z_p)    W: K × C' (dense_kernels.h's
//                                                             forward product, the group's
//                                                             positions as its samples)
//   pool:  x[l+1](y, x, c) = max over the window of x[l], its position kept in `argmax`
//   g[l]        like x[l]       ∂L/∂x[l]; g[last] = W_dense0 · e_dense0
//   conv:  e    = g[l+1] ⊙ f'(x[l+1])                       (in place in g[l+1])
//          dW  += col·eᵀ per group                          (dense_kernels.h's update product)
//          db  += Σ_positions e per group
//          dcol = W·e = (Wᵀ)ᵀ·e                             (the forward product with Wᵀ)
//          g[l] = col2im(dcol)                              (the patches' errors added back)
//   pool:  g[l] = each output's error added to its argmax input
// A sample's activations and errors are the same bits whatever shares its chunk or group (the
// products sum each output in a fixed order); the gradients are summed per group of
// kConvGroup samples, the groups in order, and each thread's sums in thread order:
// deterministic per thread count.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "conv.h"
#include "dense_kernels.h"
#include "layer_math.h"
#include "network.h"

namespace digitrain {

template <class T>
struct FrontGradientsT {
  std::vector<WeightsT<T>> weights;  // per front layer, shaped like its weights (pool: empty)
  std::vector<VectorT<T>> bias;

  void resize(const NetworkT<T>& net) {
    weights.clear();
    bias.clear();
    for (const auto& l : net.front) {
      weights.push_back(WeightsT<T>::Zero(l.weights.rows(), l.weights.cols()));
      bias.push_back(VectorT<T>::Zero(l.bias.size()));
    }
  }
};

// How many samples' patches one product covers: P·G rows for the register-blocked kernels
// (the TF.js example's second conv layer has P = 64 positions per sample) while the patches
// (K·P·G values) stay in cache. Any G gives a sample the same outputs; the kernel and bias
// gradients are summed per group of G, then the groups in order.
constexpr int kConvGroup = 8;

template <class T>
struct FrontWorkspace {
  std::vector<MatrixT<T>> x, g;                                            // x[0..F], g[0..F]
  std::vector<Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>> argmax;  // pool layers: per output
  std::vector<T> col, dcol;   // the patches of a group of samples, and their errors
  std::vector<T> transposed;  // a conv layer's Wᵀ (C' × K row-major), for the errors' product
  std::vector<T> packed;      // the first layer's sums (or errors) of its nonzero patches
  std::vector<int> kept;      // their columns j·P + p in the group
  std::vector<int> counts;    // im2colNonzero's nonzero counts per row of the first map
  int capacity = 0;
  int group = kConvGroup;  // samples per product (tests compare other sizes)
  // Skip the first layer's all-zero patches (most of an MNIST digit's border): their sums are
  // exactly zero and add nothing to the kernel gradient, so skipping them changes no bit.
  bool skipZeroPatches = true;
  bool inputGradient = false;  // compute g[0] too (the gradient checks read it)

  void resize(const NetworkT<T>& net, int cap) {
    const size_t F = net.front.size();
    capacity = cap;
    x.resize(F + 1);
    g.resize(F + 1);
    argmax.resize(F);
    size_t patches = 0, weights = 0;
    if (F == 0) return;
    x[0].resize(net.front.front().in.size(), cap);
    g[0].resize(net.front.front().in.size(), cap);
    for (size_t l = 0; l < F; ++l) {
      const auto& f = net.front[l];
      x[l + 1].resize(f.out.size(), cap);
      g[l + 1].resize(f.out.size(), cap);
      if (!f.isConv()) argmax[l].resize(f.out.size(), cap);
      if (f.isConv()) {
        patches = std::max(patches, static_cast<size_t>(f.patch()) * f.out.h * f.out.w);
        weights = std::max(weights, static_cast<size_t>(f.weights.size()));
      }
    }
    const size_t samples = static_cast<size_t>(std::max(1, std::min(group, cap)));
    col.resize(patches * samples);
    dcol.resize(patches * samples);
    transposed.resize(weights);
    const auto& first = net.front.front();
    const size_t positions = first.isConv() ? static_cast<size_t>(first.out.h) * first.out.w * samples : 0;
    packed.resize(positions * (first.isConv() ? first.spec.filters : 0));
    kept.resize(positions);
    counts.resize(static_cast<size_t>(first.in.h) * (first.in.w + 1));
  }
};

// The products of a conv layer, dense_kernels.h's, with a register block for few output
// columns: C' = 8 (the TF.js example's first layer) fills only two packets of the default
// block's four, so more positions share each packet of weights (or errors) loaded instead.
// The block shape never changes a sum's order, only how many are kept in registers at once.
#if defined(__wasm__)
constexpr int kNarrowRows = 4;  // V8's 15 SIMD registers: 4×2 sums + 2 packets + a broadcast
#else
constexpr int kNarrowRows = 6;
#endif

template <class T>
constexpr bool narrow(Eigen::Index columns) {
  return columns <= 2 * detail::kLanes<T>;
}

// Under AVX-512 a packet holds 16 floats, more than an 8-filter layer's outputs: the kernels
// take those in 8-float packets (see narrowerOnly), one per position of a block, so a block
// holds kNarrowerRows positions: their sums, plus the packet of W (or e) and a broadcast.
// Without a narrower packet (WebAssembly, SSE, AVX) there is no such product.
constexpr int kNarrowerRows = 12;

// z = Wᵀ·a (see productTransposed).
template <class T>
void convProduct(const T* W, Eigen::Index ldw, Eigen::Index m, Eigen::Index n, const T* a, Eigen::Index lda,
                 Eigen::Index B, T* z, Eigen::Index ldz) {
  if (narrow<T>(n))
    productTransposed<kNarrowRows, 2, T, detail::PacketOf<T>, kNarrowerRows>(W, ldw, m, n, a, lda, B, z, ldz);
  else productTransposed(W, ldw, m, n, a, lda, B, z, ldz);
}

// W (+)= a·eᵀ (see addOuterProduct).
template <class T>
void convOuterProduct(T* W, Eigen::Index ldw, Eigen::Index m, Eigen::Index n, const T* a, Eigen::Index lda, const T* e,
                      Eigen::Index lde, Eigen::Index B, bool accumulate) {
  if (narrow<T>(n))
    addOuterProduct<kNarrowRows, 2, T, detail::PacketOf<T>, kNarrowerRows>(W, ldw, m, n, T(1), a, lda, e, lde, B,
                                                                           accumulate);
  else addOuterProduct(W, ldw, m, n, T(1), a, lda, e, lde, B, accumulate);
}

// The k×k×C window of output position (oy, ox) of conv layer f on one sample's map `in` into
// p (K values, zero outside the map).
constexpr int kShortRow = 8;
template <class T>
void im2colPatch(const FrontLayerT<T>& f, const T* in, int oy, int ox, T* p) {
  const int k = f.spec.kernel, s = f.spec.stride, C = f.in.c, H = f.in.h, W = f.in.w;
  const int x0 = ox * s - f.padLeft;
  const int kx0 = std::max(0, -x0), kx1 = std::min(k, W - x0);  // the kernel columns inside the map
  for (int ky = 0; ky < k; ++ky) {
    T* row = p + ky * k * C;
    const int y = oy * s + ky - f.padTop;
    if (y < 0 || y >= H || kx0 >= kx1) {
      std::fill(row, row + k * C, T(0));
      continue;
    }
    std::fill(row, row + kx0 * C, T(0));
    const T* src = in + (static_cast<Eigen::Index>(y) * W + x0 + kx0) * C;
    const int n = (kx1 - kx0) * C;
    if (n <= kShortRow) {
      // A first layer's rows are a few values (5 for a 5×5 kernel on one channel), too short
      // for the memmove call a copy of unknown length becomes: a loop of fixed length instead.
      for (int i = 0; i < kShortRow; ++i)
        if (i < n) row[kx0 * C + i] = src[i];
    } else {
      std::copy(src, src + n, row + kx0 * C);
    }
    std::fill(row + kx1 * C, row + k * C, T(0));
  }
}

// col(:, p) for every output position p of conv layer f on one sample's map `in`.
template <class T>
void im2col(const FrontLayerT<T>& f, const T* in, T* col) {
  const Eigen::Index K = f.patch();
  for (int oy = 0; oy < f.out.h; ++oy)
    for (int ox = 0; ox < f.out.w; ++ox) im2colPatch(f, in, oy, ox, col + (oy * f.out.w + ox) * K);
}

// The nonzero patches of samples j0 .. j0+G−1 of `in`, packed side by side into col; their
// columns j·P + p in the group into kept; returns how many. A patch is nonzero when one of its
// rows' stretch of the map holds a value other than 0, which per-row counts of such values
// (`counts`, H·(W+1)) tell without reading the patch: only the patches kept are copied.
template <class T>
int im2colNonzero(const FrontLayerT<T>& f, const MatrixT<T>& in, int j0, int G, T* col, int* kept, int* counts) {
  const int k = f.spec.kernel, s = f.spec.stride, C = f.in.c, H = f.in.h, W = f.in.w;
  const Eigen::Index K = f.patch();
  const int P = f.out.h * f.out.w;
  int n = 0;
  for (int j = 0; j < G; ++j) {
    const T* map = in.col(j0 + j).data();
    for (int y = 0; y < H; ++y) {  // counts[y·(W+1) + x]: the nonzero values left of column x
      int* row = counts + y * (W + 1);
      row[0] = 0;
      for (int x = 0; x < W; ++x) {
        int nonzero = 0;
        for (int c = 0; c < C; ++c) nonzero += map[(y * W + x) * C + c] != T(0);
        row[x + 1] = row[x] + nonzero;
      }
    }
    for (int oy = 0; oy < f.out.h; ++oy)
      for (int ox = 0; ox < f.out.w; ++ox) {
        const int x0 = ox * s - f.padLeft;
        const int xa = std::max(0, x0), xb = std::min(W, x0 + k);
        int nonzero = 0;
        for (int ky = 0; ky < k && xa < xb; ++ky) {
          const int y = oy * s + ky - f.padTop;
          if (y >= 0 && y < H) nonzero += counts[y * (W + 1) + xb] - counts[y * (W + 1) + xa];
        }
        if (nonzero == 0) continue;
        im2colPatch(f, map, oy, ox, col + n * K);
        kept[n++] = j * P + oy * f.out.w + ox;
      }
  }
  return n;
}

// The reverse of im2col: adds each patch value back onto the map position it came from.
template <class T>
void col2imAdd(const FrontLayerT<T>& f, const T* col, T* in) {
  const int k = f.spec.kernel, s = f.spec.stride, C = f.in.c, H = f.in.h, W = f.in.w;
  const int K = f.patch();
  for (int oy = 0; oy < f.out.h; ++oy)
    for (int ox = 0; ox < f.out.w; ++ox) {
      const T* p = col + static_cast<Eigen::Index>(oy * f.out.w + ox) * K;
      const int x0 = ox * s - f.padLeft;
      const int kx0 = std::max(0, -x0), kx1 = std::min(k, W - x0);
      for (int ky = 0; ky < k; ++ky) {
        const int y = oy * s + ky - f.padTop;
        if (y < 0 || y >= H) continue;
        const T* row = p + ky * k * C;
        T* dst = in + (static_cast<Eigen::Index>(y) * W + x0) * C;
        for (int i = kx0 * C; i < kx1 * C; ++i) dst[i] += row[i];
      }
    }
}

// Channels innermost: each window position compares C contiguous values, which vectorises
// natively. Clang left the WebAssembly loop scalar (a compare and a branch per value, ~20% of
// the conv layers' forward pass in V8): there four channels at a time are written out, the
// same comparisons and selections, so the same maxima and positions.
template <class T>
void poolForward(const FrontLayerT<T>& f, const T* in, T* out, int* arg) {
  const int k = f.spec.kernel, s = f.spec.stride, C = f.in.c, W = f.in.w;
  for (int oy = 0; oy < f.out.h; ++oy)
    for (int ox = 0; ox < f.out.w; ++ox) {
      T* o = out + (oy * f.out.w + ox) * C;
      int* a = arg + (oy * f.out.w + ox) * C;
      const int first = (oy * s * W + ox * s) * C;
      int c0 = 0;
#if defined(__wasm_simd128__)
      if constexpr (std::is_same_v<T, float>) {
        for (; c0 + 4 <= C; c0 += 4) {
          v128_t best = wasm_v128_load(in + first + c0);
          v128_t at = wasm_i32x4_add(wasm_i32x4_splat(first + c0), wasm_i32x4_make(0, 1, 2, 3));
          for (int ky = 0; ky < k; ++ky)
            for (int kx = 0; kx < k; ++kx) {
              const int i0 = ((oy * s + ky) * W + ox * s + kx) * C + c0;
              const v128_t v = wasm_v128_load(in + i0);
              const v128_t larger = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, larger);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(i0), wasm_i32x4_make(0, 1, 2, 3)), at, larger);
            }
          wasm_v128_store(o + c0, best);
          wasm_v128_store(a + c0, at);
        }
      }
#endif
      if (c0 == C) continue;
      for (int c = c0; c < C; ++c) {
        o[c] = in[first + c];
        a[c] = first + c;
      }
      for (int ky = 0; ky < k; ++ky)
        for (int kx = 0; kx < k; ++kx) {
          const int i0 = ((oy * s + ky) * W + ox * s + kx) * C;
          const T* v = in + i0;
          for (int c = c0; c < C; ++c) {
            const bool larger = v[c] > o[c];  // the first of equal maxima takes the gradient
            o[c] = larger ? v[c] : o[c];      // (stores either way, so the loop becomes blends)
            a[c] = larger ? i0 + c : a[c];
          }
        }
    }
}

// x[1..F] from x[0] for samples [0, B), and the last into ws.a[0]: the dense layers' input.
// A conv layer is one product per group of samples: their patches side by side (K × P·G),
// every position of every sample a row of dense_kernels.h's forward product.
template <class T>
void frontForward(const NetworkT<T>& net, FrontWorkspace<T>& fw, Workspace<T>& ws, int B) {
  for (size_t l = 0; l < net.front.size(); ++l) {
    const FrontLayerT<T>& f = net.front[l];
    const MatrixT<T>& in = fw.x[l];
    MatrixT<T>& out = fw.x[l + 1];
    if (!f.isConv()) {
      for (int j = 0; j < B; ++j) poolForward(f, in.col(j).data(), out.col(j).data(), fw.argmax[l].col(j).data());
      continue;
    }
    const int P = f.out.h * f.out.w, K = f.patch(), Cout = f.spec.filters;
    const Eigen::Index sampleCol = static_cast<Eigen::Index>(K) * P;
    const bool skipZeros = l == 0 && fw.skipZeroPatches;
    for (int j0 = 0; j0 < B; j0 += fw.group) {
      const int G = std::min(fw.group, B - j0);
      Eigen::Map<MatrixT<T>> z(out.col(j0).data(), Cout, static_cast<Eigen::Index>(P) * G);  // the group's maps
      if (skipZeros) {
        const int n = im2colNonzero(f, in, j0, G, fw.col.data(), fw.kept.data(), fw.counts.data());
        Eigen::Map<MatrixT<T>> sums(fw.packed.data(), Cout, n);
        convProduct(f.weights.data(), f.weights.outerStride(), K, Cout, fw.col.data(), K, n, sums.data(), Cout);
        if (f.hasBias()) {
          z.colwise() = f.bias;  // a zero patch's output
          for (int i = 0; i < n; ++i) z.col(fw.kept[i]) = sums.col(i) + f.bias;
        } else {
          z.setZero();
          for (int i = 0; i < n; ++i) z.col(fw.kept[i]) = sums.col(i);
        }
        continue;
      }
      for (int j = 0; j < G; ++j) im2col(f, in.col(j0 + j).data(), fw.col.data() + j * sampleCol);
      convProduct(f.weights.data(), f.weights.outerStride(), K, Cout, fw.col.data(), K, z.cols(), z.data(), Cout);
      if (f.hasBias()) z.colwise() += f.bias;
    }
    auto z = out.leftCols(B);
    activate(f.activation, z, z);
  }
  const auto& last = fw.x[net.front.size()];
  ws.a[0].leftCols(B) = last.leftCols(B);
  ws.sparse.active = false;
}

// After propagateErrors: the front's gradients into g (added, or written with `overwrite`),
// from the dense layers' first errors ws.e[0]. Per group of samples, a conv layer's kernel
// gradient is one update product over all their positions, and the patches' errors one
// forward product with Wᵀ (C' × K) over them.
template <class T>
void frontBackward(const NetworkT<T>& net, FrontWorkspace<T>& fw, const Workspace<T>& ws, int B, FrontGradientsT<T>& g,
                   bool overwrite) {
  const size_t F = net.front.size();
  fw.g[F].leftCols(B).noalias() = net.layers.front().weights * ws.e[0].leftCols(B);
  for (size_t l = F; l-- > 0;) {
    const FrontLayerT<T>& f = net.front[l];
    const bool needInput = l > 0 || fw.inputGradient;
    if (!f.isConv()) {
      if (!needInput) continue;
      auto gin = fw.g[l].leftCols(B);
      gin.setZero();
      for (int j = 0; j < B; ++j) {
        const T* go = fw.g[l + 1].col(j).data();
        const int* arg = fw.argmax[l].col(j).data();
        T* gi = gin.col(j).data();
        for (int o = 0; o < f.out.size(); ++o) gi[arg[o]] += go[o];
      }
      continue;
    }
    const int P = f.out.h * f.out.w, K = f.patch(), Cout = f.spec.filters;
    const Eigen::Index sampleCol = static_cast<Eigen::Index>(K) * P;
    auto e = fw.g[l + 1].leftCols(B);
    multiplyByDerivative(f.activation, e, fw.x[l + 1].leftCols(B));
    flushSubnormals(e);
    WeightsT<T>& dW = g.weights[l];
    if (needInput)  // Wᵀ (C' × K row-major) holds W's elements in column-major order
      Eigen::Map<MatrixT<T>>(fw.transposed.data(), K, Cout) = f.weights;
    bool accumulate = !overwrite;
    for (int j0 = 0; j0 < B; j0 += fw.group) {
      const int G = std::min(fw.group, B - j0);
      const Eigen::Index N = static_cast<Eigen::Index>(P) * G;
      const T* eg = e.col(j0).data();  // the group's errors: C' × P·G
      if (l == 0 && fw.skipZeroPatches) {
        const int n = im2colNonzero(f, fw.x[l], j0, G, fw.col.data(), fw.kept.data(), fw.counts.data());
        Eigen::Map<MatrixT<T>> packedErrors(fw.packed.data(), Cout, n);
        for (int i = 0; i < n; ++i) packedErrors.col(i) = Eigen::Map<const VectorT<T>>(eg + fw.kept[i] * Cout, Cout);
        convOuterProduct(dW.data(), dW.outerStride(), K, Cout, fw.col.data(), K, packedErrors.data(), Cout, n,
                         accumulate);
      } else {
        for (int j = 0; j < G; ++j) im2col(f, fw.x[l].col(j0 + j).data(), fw.col.data() + j * sampleCol);
        convOuterProduct(dW.data(), dW.outerStride(), K, Cout, fw.col.data(), K, eg, Cout, N, accumulate);
      }
      if (f.hasBias()) {
        // Column by column: whole packets of C' sums (Eigen's rowwise() reads each row strided).
        VectorT<T>& db = g.bias[l];
        if (!accumulate) db.setZero();
        for (Eigen::Index i = 0; i < N; ++i) db += Eigen::Map<const VectorT<T>>(eg + i * Cout, Cout);
      }
      accumulate = true;
      if (!needInput) continue;
      convProduct(fw.transposed.data(), K, Cout, K, eg, Cout, N, fw.dcol.data(), K);
      for (int j = 0; j < G; ++j) {
        T* gi = fw.g[l].col(j0 + j).data();
        std::fill(gi, gi + f.in.size(), T(0));
        col2imAdd(f, fw.dcol.data() + j * sampleCol, gi);
      }
    }
  }
}

// Loads samples indices[0..count) of images as the front's inputs x[0], scaled to [0, 1].
template <class T, class Image>
void gatherFrontInputs(const Image& image, int count, int pixels, FrontWorkspace<T>& fw) {
  constexpr T kScale = T(1) / T(255);
  for (int j = 0; j < count; ++j) {
    const uint8_t* px = image(j);
    T* col = fw.x[0].col(j).data();
    for (int i = 0; i < pixels; ++i) col[i] = T(px[i]) * kScale;
  }
}

}  // namespace digitrain
