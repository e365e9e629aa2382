// Forward and backward passes of the conv/pool front (conv.h) over a chunk of samples,
// templated on the scalar like layer_math.h (float to train, double in the inspector).
//
// Shapes (B samples, one column each; maps HWC, see conv.h; front layer l reads an
// H×W×C map and writes H'×W'×C'; P = H'·W' output positions, K = k·k·C patch values):
//   x[0]        H·W·C × B       the images (C = 1)
//   col         K × P           one sample's patches: col(:, p) = the k×k×C window of output
//                               position p, zero outside the map (im2col)
//   conv:  z_p  = Wᵀ·col(:, p) + b,  x[l+1](:, p) = f(z_p)    W: K × C' (dense_kernels.h's
//                                                             forward product, positions as samples)
//   pool:  x[l+1](y, x, c) = max over the window of x[l], its position kept in `argmax`
//   g[l]        like x[l]       ∂L/∂x[l]; g[last] = W_dense0 · e_dense0
//   conv:  e    = g[l+1] ⊙ f'(x[l+1])                       (in place in g[l+1])
//          dW  += Σ_samples col·eᵀ                          (dense_kernels.h's update product)
//          db  += Σ_positions e
//          g[l] = col2im(W·e)                               (the patches' errors added back)
//   pool:  g[l] = each output's error added to its argmax input
// Every sample's values are computed alone, in the same order whatever shares its chunk, and
// each thread's gradient sums are added in sample order: deterministic per thread count.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

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

template <class T>
struct FrontWorkspace {
  std::vector<MatrixT<T>> x, g;                                            // x[0..F], g[0..F]
  std::vector<Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>> argmax;  // pool layers: per output
  std::vector<T> col, dcol;                                                // one sample's patches
  int capacity = 0;
  bool inputGradient = false;  // compute g[0] too (the gradient checks read it)

  void resize(const NetworkT<T>& net, int cap) {
    const size_t F = net.front.size();
    capacity = cap;
    x.resize(F + 1);
    g.resize(F + 1);
    argmax.resize(F);
    size_t patches = 0;
    if (F == 0) return;
    x[0].resize(net.front.front().in.size(), cap);
    g[0].resize(net.front.front().in.size(), cap);
    for (size_t l = 0; l < F; ++l) {
      const auto& f = net.front[l];
      x[l + 1].resize(f.out.size(), cap);
      g[l + 1].resize(f.out.size(), cap);
      if (!f.isConv()) argmax[l].resize(f.out.size(), cap);
      if (f.isConv()) patches = std::max(patches, static_cast<size_t>(f.patch()) * f.out.h * f.out.w);
    }
    col.resize(patches);
    dcol.resize(patches);
  }
};

// col(:, p) for every output position p of conv layer f on one sample's map `in`.
template <class T>
void im2col(const FrontLayerT<T>& f, const T* in, T* col) {
  const int k = f.spec.kernel, s = f.spec.stride, C = f.in.c, H = f.in.h, W = f.in.w;
  const int K = f.patch();
  for (int oy = 0; oy < f.out.h; ++oy)
    for (int ox = 0; ox < f.out.w; ++ox) {
      T* p = col + static_cast<Eigen::Index>(oy * f.out.w + ox) * K;
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
        std::copy(in + (static_cast<Eigen::Index>(y) * W + x0 + kx0) * C,
                  in + (static_cast<Eigen::Index>(y) * W + x0 + kx1) * C, row + kx0 * C);
        std::fill(row + kx1 * C, row + k * C, T(0));
      }
    }
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

template <class T>
void poolForward(const FrontLayerT<T>& f, const T* in, T* out, int* arg) {
  const int k = f.spec.kernel, s = f.spec.stride, C = f.in.c, W = f.in.w;
  for (int oy = 0; oy < f.out.h; ++oy)
    for (int ox = 0; ox < f.out.w; ++ox)
      for (int c = 0; c < C; ++c) {
        int best = (oy * s * W + ox * s) * C + c;
        for (int ky = 0; ky < k; ++ky)
          for (int kx = 0; kx < k; ++kx) {
            const int i = ((oy * s + ky) * W + ox * s + kx) * C + c;
            if (in[i] > in[best]) best = i;  // the first of equal maxima takes the gradient
          }
        const int o = (oy * f.out.w + ox) * C + c;
        out[o] = in[best];
        arg[o] = best;
      }
}

// x[1..F] from x[0] for samples [0, B), and the last into ws.a[0]: the dense layers' input.
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
    for (int j = 0; j < B; ++j) {
      im2col(f, in.col(j).data(), fw.col.data());
      T* z = out.col(j).data();
      productTransposed(f.weights.data(), f.weights.outerStride(), K, Cout, fw.col.data(), K, P, z, Cout);
      if (f.hasBias()) Eigen::Map<MatrixT<T>>(z, Cout, P).colwise() += f.bias;
    }
    auto z = out.leftCols(B);
    activate(f.activation, z, z);
  }
  const auto& last = fw.x[net.front.size()];
  ws.a[0].leftCols(B) = last.leftCols(B);
  ws.sparse.active = false;
}

// After propagateErrors: the front's gradients into g (added, or written with `overwrite`),
// from the dense layers' first errors ws.e[0].
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
    auto e = fw.g[l + 1].leftCols(B);
    multiplyByDerivative(f.activation, e, fw.x[l + 1].leftCols(B));
    flushSubnormals(e);
    WeightsT<T>& dW = g.weights[l];
    for (int j = 0; j < B; ++j) {
      const T* ej = e.col(j).data();
      im2col(f, fw.x[l].col(j).data(), fw.col.data());
      addOuterProduct(dW.data(), dW.outerStride(), K, Cout, T(1), fw.col.data(), K, ej, Cout, P,
                      !(overwrite && j == 0));
      if (f.hasBias()) {
        const auto sums = Eigen::Map<const MatrixT<T>>(ej, Cout, P).rowwise().sum();
        if (overwrite && j == 0) g.bias[l] = sums;
        else g.bias[l] += sums;
      }
      if (!needInput) continue;
      Eigen::Map<MatrixT<T>> dcol(fw.dcol.data(), K, P);
      dcol.noalias() =
          Eigen::Map<const WeightsT<T>>(f.weights.data(), K, Cout) * Eigen::Map<const MatrixT<T>>(ej, Cout, P);
      T* gi = fw.g[l].col(j).data();
      std::fill(gi, gi + f.in.size(), T(0));
      col2imAdd(f, fw.dcol.data(), gi);
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
