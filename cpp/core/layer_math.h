// Forward and backward passes of a dense network over a chunk of samples, templated on the
// scalar so training runs in float and the inspector in double with the same equations.
//
// Shapes (B = samples in the chunk, one column each; layer l has m inputs, n outputs):
//   a[0]            m×B   the inputs
//   z[l]            n×B   z = Wᵀ·a[l] + b            (the TP's z = a·W, samples as columns)
//   a[l+1]          n×B   a = f(z), then × dropout mask on hidden layers
//   e[l]            n×B   e = ∂L/∂z                  (the TP's e; e_out = p − y for softmax + CE)
//   dW[l]  += a[l]·e[l]ᵀ  m×n                        (the TP's δw = aᵀ·e, summed over the chunk)
//   db[l]  += Σ_columns e[l]
//   e[l-1]  = (W·e[l]) ⊙ f'(a[l])                    (the TP's e = (e·Wᵀ) ⊙ S'(z))
// Derivatives are taken from the activation (sigmoid: a(1−a), tanh: 1−a², relu: a>0), so
// z need not be recomputed. Buffers are sized once for a capacity; nothing here allocates
// when called with B ≤ capacity.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dense_kernels.h"
#include "network.h"
#include "sparse_inputs.h"

namespace digitrain {

// Cache-line aligned: each thread writes its own (the input index grows every batch) while
// the update step reads every thread's; neighbours sharing a line slow both down.
template <class T>
struct alignas(64) Workspace {
  std::vector<MatrixT<T>> z, a, e, mask;
  MatrixT<T> target;  // outputs × capacity
  int capacity = 0;
  bool dropout = false;
  // The chunk's non-zero inputs, when indexImages found few enough (see
  // sparse_inputs.h). While it is active, the first layer reads only it, and a[0] may be stale.
  SparseInputs<T> sparse;

  void resize(const NetworkT<T>& net, int cap, bool withDropout) {
    const size_t L = net.layers.size();
    capacity = cap;
    sparse.resize(net.denseInputs(), cap);
    dropout = withDropout;
    z.resize(L);
    e.resize(L);
    a.resize(L + 1);
    mask.resize(withDropout ? L : 0);
    a[0].resize(net.denseInputs(), cap);  // after a conv front, its flattened output
    for (size_t l = 0; l < L; ++l) {
      const int n = net.layers[l].outputs();
      z[l].resize(n, cap);
      e[l].resize(n, cap);
      a[l + 1].resize(n, cap);
      if (withDropout) mask[l].resize(n, cap);
    }
    target.resize(net.outputs(), cap);
  }
};

template <class T>
struct GradientsT {
  std::vector<WeightsT<T>> weights;
  std::vector<VectorT<T>> bias;

  void resize(const NetworkT<T>& net) {
    weights.clear();
    bias.clear();
    for (const auto& l : net.layers) {
      weights.push_back(WeightsT<T>::Zero(l.inputs(), l.outputs()));
      bias.push_back(VectorT<T>::Zero(l.hasBias() ? l.outputs() : 0));
    }
  }
  void setZero() {
    for (auto& w : weights) w.setZero();
    for (auto& b : bias) b.setZero();
  }
  bool allFinite() const {
    for (const auto& w : weights)
      if (!w.allFinite()) return false;
    for (const auto& b : bias)
      if (!b.allFinite()) return false;
    return true;
  }
};

// Sets values smaller in magnitude than the smallest normal float to zero. Saturated sigmoid
// and softmax units produce such subnormals (σ(−90) ≈ 8e-40), and on x86 every arithmetic
// operation on one costs a ~100-cycle microcode assist, in WebAssembly too, where no
// flush-to-zero mode exists. They are far too small to change any weight.
template <class Block>
void flushSubnormals(Block&& x) {
  using T = typename std::decay_t<Block>::Scalar;
  const T tiny = std::numeric_limits<T>::min();
  x = (x.array().abs() < tiny).select(T(0), x.array()).matrix();
}

template <class ZBlock, class ABlock>
void activate(Activation f, const ZBlock& z, ABlock&& a) {
  using T = typename ZBlock::Scalar;
  switch (f) {
    case Activation::Sigmoid:
      a.array() = (T(1) + (-z.array()).exp()).inverse();
      flushSubnormals(a);
      break;
    case Activation::Tanh: a.array() = z.array().tanh(); break;
    case Activation::Relu: a.array() = z.array().max(T(0)); break;
    case Activation::Identity: a = z; break;
    case Activation::Softmax:
      // Subtracting each column's max keeps exp() finite whatever z is.
      for (Eigen::Index j = 0; j < z.cols(); ++j) {
        const T m = z.col(j).maxCoeff();
        a.col(j).array() = (z.col(j).array() - m).exp();
        a.col(j) /= a.col(j).sum();
      }
      flushSubnormals(a);
      break;
  }
}

// e ⊙= f'(a), with the derivative expressed through the activation a = f(z).
template <class EBlock, class ABlock>
void multiplyByDerivative(Activation f, EBlock&& e, const ABlock& a) {
  using T = typename std::decay_t<EBlock>::Scalar;
  switch (f) {
    case Activation::Sigmoid: e.array() *= a.array() * (T(1) - a.array()); break;
    case Activation::Tanh: e.array() *= T(1) - a.array().square(); break;
    case Activation::Relu: e.array() *= (a.array() > T(0)).template cast<T>(); break;
    case Activation::Identity: break;
    case Activation::Softmax: break;  // only on the output layer, handled by outputError
  }
}

template <class T>
void forward(const NetworkT<T>& net, Workspace<T>& ws, int B) {
  const size_t L = net.layers.size();
  for (size_t l = 0; l < L; ++l) {
    const LayerT<T>& layer = net.layers[l];
    auto z = ws.z[l].leftCols(B);
    if (l == 0 && ws.sparse.active) {
      // z_j = Σ_{i: x_ij ≠ 0} x_ij·W[i,:]: the same sum as Wᵀx_j without the zero inputs.
      const SparseInputs<T>& s = ws.sparse;
      for (int j = 0; j < B; ++j) {
        const int k = s.sampleStart[j];
        combineRows(layer.weights.data(), layer.weights.outerStride(), z.rows(), s.input.data() + k,
                    s.inputValue.data() + k, s.sampleStart[j + 1] - k, T(1), z.col(j).data(), false);
      }
    } else {
      const auto& W = layer.weights;
      productTransposed(W.data(), W.outerStride(), W.rows(), W.cols(), ws.a[l].data(), ws.a[l].outerStride(), B,
                        z.data(), z.outerStride());
    }
    if (layer.hasBias()) z.colwise() += layer.bias;
    auto a = ws.a[l + 1].leftCols(B);
    activate(layer.activation, z, a);
    if (ws.dropout && l + 1 < L) a.array() *= ws.mask[l].leftCols(B).array();
  }
}

// Sets e_out = ∂L/∂z of the output layer from ws.target and returns Σ over the chunk of
// the per-sample loss:
//   cross-entropy (softmax): L = −Σ_k y_k log p_k,  e = p − y  (log p via log-sum-exp)
//   mse:                     L = Σ_k (o_k − y_k)²,   ∂L/∂o = 2(o − y)
//   squared-error:           L = ½ Σ_k (o_k − y_k)², ∂L/∂o = o − y
//   total-squared-error:     L = Σ_k (o_k − y_k)²,   e from o − y (the NumPy tutorial's step)
// then e = ∂L/∂o ⊙ f'(z), or for a softmax output e = p ⊙ (g − pᵀg).
template <class T>
double outputError(const NetworkT<T>& net, Workspace<T>& ws, int B) {
  const size_t L = net.layers.size();
  const Activation f = net.layers.back().activation;
  auto o = ws.a[L].leftCols(B);
  auto y = ws.target.leftCols(B);
  auto e = ws.e[L - 1].leftCols(B);
  double loss = 0;
  if (net.loss == Loss::CrossEntropy) {
    auto z = ws.z[L - 1].leftCols(B);
    for (int j = 0; j < B; ++j) {
      const T m = z.col(j).maxCoeff();
      const double lse = double(m) + std::log(double((z.col(j).array() - m).exp().sum()));
      for (Eigen::Index k = 0; k < z.rows(); ++k)
        if (y(k, j) != T(0)) loss += double(y(k, j)) * (lse - double(z(k, j)));
    }
    e = o - y;
    return loss;
  }
  // The squared losses (names.h): e = gradient·(o − y), reported·‖o − y‖².
  const SquaredLossFactors factors = *squaredLossFactors(net.loss);
  e = o - y;
  loss = factors.reported * double(e.squaredNorm());
  if (factors.gradient != 1) e *= T(factors.gradient);
  if (f == Activation::Softmax) {
    for (int j = 0; j < B; ++j) {
      const T pg = o.col(j).dot(e.col(j));
      e.col(j).array() = o.col(j).array() * (e.col(j).array() - pg);
    }
  } else {
    multiplyByDerivative(f, e, o);
  }
  flushSubnormals(e);
  return loss;
}

// Propagates the output error ws.e[L-1] down to every layer with the current weights:
// e[l-1] = (W_l·e_l) ⊙ f'(a_l). `keep` = 1 − dropout: the activation a hidden unit had
// before its dropout multiplier, for the derivative.
template <class T>
void propagateErrors(const NetworkT<T>& net, Workspace<T>& ws, int B, T keep = T(1)) {
  for (size_t l = net.layers.size() - 1; l > 0; --l) {
    auto ePrev = ws.e[l - 1].leftCols(B);
    ePrev.noalias() = net.layers[l].weights * ws.e[l].leftCols(B);
    const Activation f = net.layers[l - 1].activation;
    if (ws.dropout) {
      multiplyByDerivative(f, ePrev, ws.a[l].leftCols(B) * keep);
      ePrev.array() *= ws.mask[l - 1].leftCols(B).array();
    } else {
      multiplyByDerivative(f, ePrev, ws.a[l].leftCols(B));
    }
    flushSubnormals(ePrev);
  }
}

// True when every error is finite: then every gradient a·eᵀ is too (barring overflow),
// which is far cheaper to check than the gradients themselves.
template <class T>
bool errorsFinite(const Workspace<T>& ws, int B) {
  for (const auto& e : ws.e)
    if (!e.leftCols(B).allFinite()) return false;
  return true;
}

// W[:, c0 : c0+n] += α·a·eᵀ (or = without `accumulate`), with e (n rows) the errors of those
// n output columns over the chunk (its column count is the chunk's size) and a the layer's inputs.
template <class T, class EBlock>
void addOuterProduct(WeightsT<T>& W, T alpha, const MatrixT<T>& a, const EBlock& e, bool accumulate = true,
                     Eigen::Index c0 = 0) {
  addOuterProduct(W.data() + c0, W.outerStride(), W.rows(), e.rows(), alpha, a.data(), a.outerStride(), e.data(),
                  e.outerStride(), e.cols(), accumulate);
}

// W[:, c0:c0+n] += alpha·x·e[c0:c0+n, :]ᵀ for the first layer from the chunk's sparse inputs
// x: only the rows of W whose input is non-zero in some sample change, each once.
// Only rows [r0, r1) of W when given. Without `accumulate` the block is written instead: the
// rows with an input get their product, only the others are zeroed (zeroing the whole block
// first took a pass over it of its own, ~5 % of a `best` batch). The same bits as adding to
// zeros: combineRows' sums start at +0, so none is −0.
template <class T>
void addSparseOuterProduct(const Workspace<T>& ws, Eigen::Index c0, Eigen::Index n, T alpha, WeightsT<T>& W, int r0 = 0,
                           int r1 = -1, bool accumulate = true) {
  const SparseInputs<T>& s = ws.sparse;
  const MatrixT<T>& e = ws.e[0];
  if (r1 < 0) r1 = static_cast<int>(W.rows());
  const auto first = std::lower_bound(s.rows.begin(), s.rows.end(), r0);
  const auto last = std::lower_bound(first, s.rows.end(), r1);
  if (accumulate && s.samples == 1) {  // one entry per row (indexByInput), sample 0's
    const auto r = first - s.rows.begin();
    addRankOne(W.data() + c0, W.outerStride(), n, s.rows.data() + r, s.sampleValue.data() + s.rowStart[r], last - first,
               alpha, e.data() + c0);
    return;
  }
  int zeroFrom = r0;
  for (auto r = first - s.rows.begin(); r != last - s.rows.begin(); ++r) {
    const int i = s.rows[r];
    if (!accumulate)
      for (; zeroFrom < i; ++zeroFrom) W.row(zeroFrom).segment(c0, n).setZero();
    const int k = s.rowStart[r];
    combineRows(e.data() + c0, e.rows(), n, s.sample.data() + k, s.sampleValue.data() + k, s.rowStart[r + 1] - k, alpha,
                W.row(i).data() + c0, accumulate);
    zeroFrom = i + 1;
  }
  if (!accumulate)
    for (; zeroFrom < r1; ++zeroFrom) W.row(zeroFrom).segment(c0, n).setZero();
}

// Adds (or, with `overwrite`, writes) this chunk's summed gradients into g:
// dW_l = a_l·e_lᵀ, db_l = Σ_columns e_l.
template <class T>
void accumulateGradients(const NetworkT<T>& net, const Workspace<T>& ws, int B, GradientsT<T>& g, bool overwrite) {
  for (size_t l = 0; l < net.layers.size(); ++l) {
    auto e = ws.e[l].leftCols(B);
    if (l == 0 && ws.sparse.active) {
      addSparseOuterProduct(ws, 0, e.rows(), T(1), g.weights[0], 0, -1, !overwrite);
      if (net.layers[0].hasBias()) {
        if (overwrite) g.bias[0].noalias() = e.rowwise().sum();
        else g.bias[0].noalias() += e.rowwise().sum();
      }
    } else {
      addOuterProduct(g.weights[l], T(1), ws.a[l], e, !overwrite);
      if (net.layers[l].hasBias()) {
        if (overwrite) g.bias[l].noalias() = e.rowwise().sum();
        else g.bias[l].noalias() += e.rowwise().sum();
      }
    }
  }
}

// Backpropagation: errors, then gradients (the composition the gradient checks test).
template <class T>
void backward(const NetworkT<T>& net, Workspace<T>& ws, int B, GradientsT<T>& g, bool overwrite, T keep = T(1)) {
  propagateErrors(net, ws, B, keep);
  accumulateGradients(net, ws, B, g, overwrite);
}

// A plain SGD step fused into the gradient product, W −= η·a·eᵀ and b −= η·Σe, with weight
// decay W ×= (1 − ηλ) first: one pass over W instead of zeroing a gradient buffer, filling
// it and reading it back. Call after propagateErrors (every e computed with the old W).
template <class T>
void sgdStep(NetworkT<T>& net, const Workspace<T>& ws, int B, T eta, T etaLambda) {
  for (size_t l = 0; l < net.layers.size(); ++l) {
    LayerT<T>& layer = net.layers[l];
    auto e = ws.e[l].leftCols(B);
    if (etaLambda != T(0)) layer.weights *= T(1) - etaLambda;
    if (l == 0 && ws.sparse.active) {
      addSparseOuterProduct(ws, 0, e.rows(), -eta, layer.weights);
    } else {
      addOuterProduct(layer.weights, -eta, ws.a[l], e);
    }
    if (layer.hasBias()) layer.bias.noalias() -= eta * e.rowwise().sum();
  }
}

}  // namespace digitrain
