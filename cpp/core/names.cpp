#include "names.h"

#include <array>
#include <utility>

namespace digitrain {
namespace {

template <class E, size_t N>
using Table = std::array<std::pair<E, const char*>, N>;

constexpr Table<Activation, 5> kActivations{{{Activation::Sigmoid, "sigmoid"},
                                             {Activation::Tanh, "tanh"},
                                             {Activation::Relu, "relu"},
                                             {Activation::Identity, "identity"},
                                             {Activation::Softmax, "softmax"}}};
constexpr Table<Loss, 4> kLosses{{{Loss::CrossEntropy, "cross-entropy"},
                                  {Loss::Mse, "mse"},
                                  {Loss::SquaredError, "squared-error"},
                                  {Loss::TotalSquaredError, "total-squared-error"}}};
constexpr Table<Init, 8> kInits{{{Init::NormalSqrtN, "normal-sqrt-n"},
                                 {Init::Uniform, "uniform"},
                                 {Init::Xavier, "xavier"},
                                 {Init::XavierBlog, "xavier-blog"},
                                 {Init::He, "he"},
                                 {Init::XavierNormal, "xavier-normal"},
                                 {Init::VarianceScaling, "variance-scaling"},
                                 {Init::LecunNormal, "lecun-normal"}}};
constexpr Table<BiasInit, 3> kBiasInits{
    {{BiasInit::Zero, "zero"}, {BiasInit::LikeWeights, "like-weights"}, {BiasInit::Relu01, "relu-0.1"}}};
constexpr Table<Reduction, 2> kReductions{{{Reduction::Sum, "sum"}, {Reduction::Mean, "mean"}}};
constexpr Table<Optimizer, 4> kOptimizers{{{Optimizer::Sgd, "sgd"},
                                           {Optimizer::Momentum, "momentum"},
                                           {Optimizer::Adam, "adam"},
                                           {Optimizer::Adadelta, "adadelta"}}};

template <class E, size_t N>
const char* lookup(const Table<E, N>& table, E value) {
  for (const auto& [e, s] : table)
    if (e == value) return s;
  return "?";
}

template <class E, size_t N>
std::optional<E> parse(const Table<E, N>& table, std::string_view text) {
  for (const auto& [e, s] : table)
    if (text == s) return e;
  return std::nullopt;
}

template <class E, size_t N>
std::string list(const Table<E, N>& table) {
  std::string out;
  for (const auto& [e, s] : table) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

}  // namespace

const char* name(Activation a) { return lookup(kActivations, a); }
const char* name(Loss l) { return lookup(kLosses, l); }
const char* name(Init i) { return lookup(kInits, i); }
const char* name(BiasInit b) { return lookup(kBiasInits, b); }
const char* name(Reduction r) { return lookup(kReductions, r); }
const char* name(Optimizer o) { return lookup(kOptimizers, o); }

std::optional<Activation> parseActivation(std::string_view s) { return parse(kActivations, s); }
std::optional<Loss> parseLoss(std::string_view s) { return parse(kLosses, s); }
std::optional<Init> parseInit(std::string_view s) { return parse(kInits, s); }
std::optional<BiasInit> parseBiasInit(std::string_view s) { return parse(kBiasInits, s); }
std::optional<Reduction> parseReduction(std::string_view s) { return parse(kReductions, s); }
std::optional<Optimizer> parseOptimizer(std::string_view s) { return parse(kOptimizers, s); }

std::string allowedActivations() { return list(kActivations); }
std::string allowedLosses() { return list(kLosses); }
std::string allowedInits() { return list(kInits); }
std::string allowedBiasInits() { return list(kBiasInits); }
std::string allowedReductions() { return list(kReductions); }
std::string allowedOptimizers() { return list(kOptimizers); }

namespace {
template <class E, size_t N>
std::vector<std::string> names(const Table<E, N>& table) {
  std::vector<std::string> out;
  for (const auto& [e, s] : table) out.emplace_back(s);
  return out;
}
}  // namespace

std::vector<std::string> activationNames() { return names(kActivations); }
std::vector<std::string> lossNames() { return names(kLosses); }
std::vector<std::string> initNames() { return names(kInits); }
std::vector<std::string> biasInitNames() { return names(kBiasInits); }
std::vector<std::string> reductionNames() { return names(kReductions); }
std::vector<std::string> optimizerNames() { return names(kOptimizers); }

std::optional<SquaredLossFactors> squaredLossFactors(Loss loss) {
  switch (loss) {
    case Loss::CrossEntropy: return std::nullopt;
    case Loss::Mse: return SquaredLossFactors{2, 1};
    case Loss::SquaredError: return SquaredLossFactors{1, 0.5};
    case Loss::TotalSquaredError: return SquaredLossFactors{1, 1};
  }
  return std::nullopt;
}

bool allowedBeforeOutput(Activation a) { return a != Activation::Softmax; }

std::optional<Activation> requiredOutput(Loss loss) {
  if (loss == Loss::CrossEntropy) return Activation::Softmax;
  return std::nullopt;
}

std::optional<ActivationRuleBreak> checkActivationRules(const std::vector<Activation>& activations, Loss loss) {
  if (activations.empty()) return std::nullopt;
  const size_t last = activations.size() - 1;
  for (size_t l = 0; l < last; ++l)
    if (!allowedBeforeOutput(activations[l]))
      return ActivationRuleBreak{ActivationRuleBreak::OutputOnlyBeforeOutput, l};
  if (const auto needed = requiredOutput(loss); needed && activations[last] != *needed)
    return ActivationRuleBreak{ActivationRuleBreak::LossNeedsOutput, last};
  return std::nullopt;
}

}  // namespace digitrain
