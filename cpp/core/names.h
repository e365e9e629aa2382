// The vocabulary shared by the CLI flags, the model file and the page: every enum the
// engine knows, with the one spelling each has everywhere ("sigmoid", "cross-entropy", ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace digitrain {

enum class Activation { Sigmoid, Tanh, Relu, Identity, Softmax };

// cross-entropy: fused with a softmax output, per-sample L = -Σ_k y_k log p_k, dL/dz = p - y.
// mse:           the lab's L = Σ_k (o_k - y_k)², dL/do = 2(o - y); averaged over samples
//                when reported, and over the batch when the reduction is `mean`.
// squared-error: L = ½ Σ_k (o_k - y_k)², dL/do = o - y.
// total-squared-error: the NumPy tutorial's printed "error" L = Σ_k (o_k - y_k)², stepped
//                along o - y = ½ dL/do as its update w += lr·outer(a, y - o) does: the
//                tutorial's learning rate stands, and its loss curve is the tutorial's own.
enum class Loss { CrossEntropy, Mse, SquaredError, TotalSquaredError };

// How the per-sample error e = ∂(objective)/∂o relates to (o - y), and what is reported:
// e = gradient·(o - y), reported loss = reported·Σ_k (o_k - y_k)². Cross-entropy has none.
struct SquaredLossFactors {
  double gradient, reported;
};
std::optional<SquaredLossFactors> squaredLossFactors(Loss loss);

// normal-sqrt-n: N(0,1)/√n for an (m,n) matrix, n = the layer's outputs (the TP's Task 5).
// uniform:       U[-s, s], s = init scale (0.1 by default, the NumPy tutorial's).
// xavier:        U[-r, r], r = √(6/(n_in+n_out)) (Glorot & Bengio).
// xavier-blog:   (U[0,1) - 0.5)·√(6/(n_in+n_out)), the blog post's own variant (half as wide).
// he:            N(0,1)·√(2/n_in).
// xavier-normal: N(0,1)·√(2/(n_in+n_out)) (Glorot & Bengio's normal form).
// variance-scaling: N(0,1)·√(1/n_in) truncated at 2σ (redrawn beyond), TensorFlow.js's
//                   default `VarianceScaling` (scale 1, fan-in, normal).
// lecun-normal: N(0,1)·√(1/n_in), not truncated: ConvNetJS's Vol, which draws every conv
//               filter and fully connected layer so.
// For a conv kernel, n_in = k·k·C_in and n_out = k·k·C_out.
enum class Init { NormalSqrtN, Uniform, Xavier, XavierBlog, He, XavierNormal, VarianceScaling, LecunNormal };

// zero:         biases start at 0.
// like-weights: the lab's layout, where the bias is an extra input fixed at 1: each layer is
//               drawn as one (m+1, n) matrix by its weight init, the bias the last row.
// relu-0.1:     0.1 for the layers with a ReLU activation, 0 for the others: ConvNetJS's
//               bias_pref, "relus like a bit of positive bias to get gradients early".
enum class BiasInit { Zero, LikeWeights, Relu01 };

// How the per-sample gradients of one batch are combined: the TP's δw = aᵀ·e is a `sum`;
// the lab and the blog divide by the batch size (`mean`).
enum class Reduction { Sum, Mean };

enum class Optimizer { Sgd, Momentum, Adam, Adadelta };

const char* name(Activation a);
const char* name(Loss l);
const char* name(Init i);
const char* name(BiasInit b);
const char* name(Reduction r);
const char* name(Optimizer o);

std::optional<Activation> parseActivation(std::string_view s);
std::optional<Loss> parseLoss(std::string_view s);
std::optional<Init> parseInit(std::string_view s);
std::optional<BiasInit> parseBiasInit(std::string_view s);
std::optional<Reduction> parseReduction(std::string_view s);
std::optional<Optimizer> parseOptimizer(std::string_view s);

// "sigmoid, tanh, relu, identity, softmax": for error messages that list what is allowed.
std::string allowedActivations();
std::string allowedLosses();
std::string allowedInits();
std::string allowedBiasInits();
std::string allowedReductions();
std::string allowedOptimizers();

// Every name of each enum, in the tables' order: what settings.cpp offers as allowed values.
std::vector<std::string> activationNames();
std::vector<std::string> lossNames();
std::vector<std::string> initNames();
std::vector<std::string> biasInitNames();
std::vector<std::string> reductionNames();
std::vector<std::string> optimizerNames();

// The rules tying an activation to its place and to the loss, stated once here and used by
// the settings (config.cpp, and the schema the page and the inspector read), a network spec
// and a loaded network (network.cpp) and a model file (model_io.cpp); each words its own
// message.
//   - softmax normalises over the whole layer, so it is only meaningful as the output layer;
//   - cross-entropy is computed fused with a softmax output (dL/dz = p - y), so it needs one.
bool allowedBeforeOutput(Activation a);
std::optional<Activation> requiredOutput(Loss loss);

struct ActivationRuleBreak {
  enum Kind { OutputOnlyBeforeOutput, LossNeedsOutput } kind;
  size_t layer;  // the offending layer: a hidden one, or the output one
};
// The first rule `activations` (one per layer, the output last) and `loss` break, if any.
std::optional<ActivationRuleBreak> checkActivationRules(const std::vector<Activation>& activations, Loss loss);

}  // namespace digitrain
