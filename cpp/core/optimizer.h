// The optimisers and the learning-rate schedule: one update rule object per optimiser, which
// owns its state, and the one function that sets each epoch's learning rate.
//
// A step on parameters θ (a block of one layer's weights or biases) from the batch's gradient
// g = Σ_samples ∂L/∂θ, at learning rate lr, reduction scale s (1 under `sum`, 1/B under `mean`
// for a batch of B) and L2 coefficient λ (0 for biases, which are never regularised):
//   ĝ = s·(g + λθ)
//   sgd:       θ ← θ − lr·ĝ
//   momentum:  v ← μ·v − lr·ĝ;  θ ← θ + v                         (v starts at 0)
//   adam:      t ← t + 1;  m ← β₁·m + (1 − β₁)·ĝ;  u ← β₂·u + (1 − β₂)·ĝ²   (m, u start at 0)
//              θ ← θ − lr·(m / (1 − β₁ᵗ)) / (√(u / (1 − β₂ᵗ)) + ε)
//   adadelta:  u ← ρ·u + (1 − ρ)·ĝ²;  Δ = √((x + ε) / (u + ε))·ĝ;  x ← ρ·x + (1 − ρ)·Δ²;
//              θ ← θ − lr·Δ                                       (u, x start at 0; ConvNetJS: lr 1)
// tests/reference/check_optimizers.py recomputes these in NumPy from the formulas above.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <utility>
#include <vector>

#include "config.h"
#include "layer_math.h"
#include "network.h"

namespace digitrain {

template <class T>
struct StepSize {
  T learningRate = 0;
  T scale = 1;  // of the reduction: 1 (`sum`) or 1/B (`mean`)
  T l2 = 0;     // λ, applied to weights only
};

// One optimiser and its state (velocity, second moment, step count), shaped like the network
// it was made for. A step is applied block by block: the trainer's threads each take a share
// of every layer's output columns, and the calls for disjoint blocks of one step may run
// concurrently. Virtual per block, never per element.
template <class T>
class UpdateRule {
 public:
  using WeightColumns = decltype(std::declval<WeightsT<T>&>().middleCols(0, 0));
  using BiasSegment = decltype(std::declval<VectorT<T>&>().segment(0, 0));

  virtual ~UpdateRule() = default;
  // True when a step is −lr·ĝ and nothing else (plain SGD): the trainer may then take it
  // straight from the activations and errors, without filling a gradient buffer (sgdStep,
  // Trainer::parallelSgdShare), as W·(1 − lr·s·λ) − lr·s·Σ a·eᵀ.
  virtual bool stateless() const { return false; }
  // Starts a step; call once, before the step's blocks.
  virtual void beginStep() {}
  // Columns [c0, c0 + θ.cols()) of layer l's weights θ, from their summed gradient g, which is
  // left holding g + λθ.
  virtual void updateWeights(size_t l, Eigen::Index c0, WeightColumns theta, WeightColumns g,
                             const StepSize<T>& step) = 0;
  // Entries [c0, c0 + θ.size()) of layer l's biases θ, from their summed gradient g; no L2.
  virtual void updateBiases(size_t l, Eigen::Index c0, BiasSegment theta, BiasSegment g, const StepSize<T>& step) = 0;
};

// The rule config.optimizer names, with its hyper-parameters (momentum, beta1, beta2,
// epsilon, rho, adadeltaEpsilon) from config and zero state shaped like `net`.
template <class T>
std::unique_ptr<UpdateRule<T>> makeUpdateRule(const TrainConfig& config, const NetworkT<T>& net);

// The learning rate of the epoch that follows `history` (the epochs completed, each with the
// rate it ran at): config.learningRate for the first epoch; after epoch k (1-based) ran at r,
//   r × annealFactor     when annealOnRise, k ≥ 3 and epoch k's training loss (the blog's cost,
//                        config.h) > epoch k−1's,
//   then × stepDecayFactor when stepDecayEvery > 0 and k is a multiple of it.
// A trainer resumed from a history continues the schedule exactly where it stopped.
double scheduledLearningRate(const TrainConfig& config, const std::vector<EpochMetrics>& history);

extern template std::unique_ptr<UpdateRule<float>> makeUpdateRule(const TrainConfig&, const NetworkT<float>&);
extern template std::unique_ptr<UpdateRule<double>> makeUpdateRule(const TrainConfig&, const NetworkT<double>&);

}  // namespace digitrain
