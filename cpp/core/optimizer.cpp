#include "optimizer.h"

#include <array>
#include <cmath>

namespace digitrain {
namespace {

// What every rule shares: L2 on weights, and finding the blocks of its state arrays that go
// with a block of parameters (the same columns of the same layer). Rule::step(θ, g, step,
// state blocks…) is the formula, applied by Eigen to one row of a weight block at a time (a
// bias block is one row): a rule's formula takes several passes (momentum: v, then θ; Adam:
// m, u, θ), and over a row (≤ 128 columns) they all stay in the first-level cache, where over
// the whole block (784 × 128 weights: 400 KB per array) each pass read θ, g and the state back
// from further out. Each element's arithmetic is the same either way.
template <class T, class Rule, size_t States>
class BlockRule : public UpdateRule<T> {
 public:
  using typename UpdateRule<T>::WeightColumns;
  using typename UpdateRule<T>::BiasSegment;

  explicit BlockRule(const NetworkT<T>& net) {
    for (auto& s : state_) s.resize(net);
  }

  void updateWeights(size_t l, Eigen::Index c0, WeightColumns theta, WeightColumns g, const StepSize<T>& step) final {
    for (Eigen::Index i = 0; i < theta.rows(); ++i) {
      auto pick = [&](GradientsT<T>& s) { return s.weights[l].row(i).segment(c0, theta.cols()); };
      auto thetaRow = theta.row(i);
      auto gRow = g.row(i);
      // L2's g + λθ inside the rule's own pass over the row, rather than a pass of its own.
      if (step.l2 != T(0)) apply(thetaRow, gRow + step.l2 * thetaRow, step, pick, std::make_index_sequence<States>{});
      else apply(thetaRow, gRow, step, pick, std::make_index_sequence<States>{});
    }
  }

  void updateBiases(size_t l, Eigen::Index c0, BiasSegment theta, BiasSegment g, const StepSize<T>& step) final {
    apply(
        theta, g, step, [&](GradientsT<T>& s) { return s.bias[l].segment(c0, theta.size()); },
        std::make_index_sequence<States>{});
  }

 private:
  template <class P, class G, class Pick, size_t... k>
  void apply(P theta, G g, const StepSize<T>& step, [[maybe_unused]] Pick pick, std::index_sequence<k...>) {
    static_cast<const Rule*>(this)->step(theta, g, step, pick(state_[k])...);
  }

  std::array<GradientsT<T>, States> state_;
};

template <class T>
class Sgd final : public BlockRule<T, Sgd<T>, 0> {
 public:
  using BlockRule<T, Sgd<T>, 0>::BlockRule;
  bool stateless() const override { return true; }

  template <class P, class G>
  void step(P theta, G g, const StepSize<T>& s) const {
    theta -= (s.learningRate * s.scale) * g;
  }
};

template <class T>
class Momentum final : public BlockRule<T, Momentum<T>, 1> {
 public:
  Momentum(const NetworkT<T>& net, double mu) : BlockRule<T, Momentum<T>, 1>(net), mu_(T(mu)) {}

  template <class P, class G, class V>
  void step(P theta, G g, const StepSize<T>& s, V v) const {
    v = mu_ * v - (s.learningRate * s.scale) * g;
    theta += v;
  }

 private:
  T mu_;
};

template <class T>
class Adam final : public BlockRule<T, Adam<T>, 2> {
 public:
  Adam(const NetworkT<T>& net, double beta1, double beta2, double epsilon)
      : BlockRule<T, Adam<T>, 2>(net), b1_(T(beta1)), b2_(T(beta2)), eps_(T(epsilon)) {}

  void beginStep() override {
    ++t_;
    // The bias corrections 1/(1 − βᵗ) of the very β the averages use (a float one in the float
    // engine: 0.999 as a float is 0.99900001), or a constant gradient's averages would not be
    // corrected back to it; βᵗ in double, as a float power would drift over many steps.
    c1_ = T(1) / T(1 - std::pow(double(b1_), double(t_)));
    c2_ = T(1) / T(1 - std::pow(double(b2_), double(t_)));
  }

  template <class P, class G, class M, class U>
  void step(P theta, G g, const StepSize<T>& s, M m, U u) const {
    m = b1_ * m + ((T(1) - b1_) * s.scale) * g;
    u = b2_ * u + ((T(1) - b2_) * s.scale * s.scale) * g.cwiseAbs2();
    theta.array() -= s.learningRate * (m * c1_).array() / ((u * c2_).array().sqrt() + eps_);
  }

 private:
  T b1_, b2_, eps_;
  long t_ = 0;
  T c1_ = 1, c2_ = 1;
};

// Zeiler's Adadelta as ConvNetJS's trainer writes it: Δ is computed with the squared-step
// average of the steps before this one (ConvNetJS: "xsum lags behind gsum by 1"), and ε sits
// inside both square roots. The learning rate scales the applied step only (PyTorch's
// convention; ConvNetJS has none, i.e. lr 1), so the step average is the rule's own.
template <class T>
class Adadelta final : public BlockRule<T, Adadelta<T>, 2> {
 public:
  Adadelta(const NetworkT<T>& net, double rho, double epsilon)
      : BlockRule<T, Adadelta<T>, 2>(net), rho_(T(rho)), eps_(T(epsilon)) {}

  template <class P, class G, class U, class X>
  void step(P theta, G g, const StepSize<T>& s, U u, X x) const {
    u = rho_ * u + ((T(1) - rho_) * s.scale * s.scale) * g.cwiseAbs2();
    for (Eigen::Index j = 0; j < theta.cols(); ++j)
      for (Eigen::Index i = 0; i < theta.rows(); ++i) {
        const T delta = std::sqrt((x(i, j) + eps_) / (u(i, j) + eps_)) * (s.scale * g(i, j));
        x(i, j) = rho_ * x(i, j) + (T(1) - rho_) * delta * delta;
        theta(i, j) -= s.learningRate * delta;
      }
  }

 private:
  T rho_, eps_;
};

}  // namespace

template <class T>
std::unique_ptr<UpdateRule<T>> makeUpdateRule(const TrainConfig& config, const NetworkT<T>& net) {
  switch (config.optimizer) {
    case Optimizer::Sgd: return std::make_unique<Sgd<T>>(net);
    case Optimizer::Momentum: return std::make_unique<Momentum<T>>(net, config.momentum);
    case Optimizer::Adam: return std::make_unique<Adam<T>>(net, config.beta1, config.beta2, config.epsilon);
    case Optimizer::Adadelta: return std::make_unique<Adadelta<T>>(net, config.rho, config.adadeltaEpsilon);
  }
  return nullptr;
}

template std::unique_ptr<UpdateRule<float>> makeUpdateRule(const TrainConfig&, const NetworkT<float>&);
template std::unique_ptr<UpdateRule<double>> makeUpdateRule(const TrainConfig&, const NetworkT<double>&);

double scheduledLearningRate(const TrainConfig& config, const std::vector<EpochMetrics>& history) {
  if (history.empty()) return config.learningRate;
  const size_t k = history.size();
  double rate = history.back().learningRate;
  // The blog's annealing: shrink the rate when this epoch's cost is above the last one's. Its
  // code keeps the earlier costs in a list and compares only once that list holds two, so
  // the first comparison is of epoch 3 with epoch 2.
  if (config.annealOnRise && k >= 3 && history[k - 1].trainLoss > history[k - 2].trainLoss) rate *= config.annealFactor;
  if (config.stepDecayEvery > 0 && k % config.stepDecayEvery == 0) rate *= config.stepDecayFactor;
  return rate;
}

}  // namespace digitrain
