#include "network.h"

#include <cmath>
#include <string>

namespace digitrain {
namespace {

constexpr int kMaxUnits = 1 << 16;

// Weights drawn for an (m, n) matrix: m inputs, n outputs (the TP's orientation).
double drawWeight(Init init, int m, int n, double scale, Rng& rng) {
  switch (init) {
    case Init::NormalSqrtN: return rng.normal() / std::sqrt(static_cast<double>(n));
    case Init::Uniform: return scale * (2.0 * rng.uniform() - 1.0);
    case Init::Xavier: return std::sqrt(6.0 / (m + n)) * (2.0 * rng.uniform() - 1.0);
    case Init::XavierBlog: return (rng.uniform() - 0.5) * std::sqrt(6.0 / (m + n));
    case Init::He: return rng.normal() * std::sqrt(2.0 / m);
  }
  return 0;
}

}  // namespace

Status validate(const NetworkSpec& spec) {
  if (spec.sizes.size() < 2)
    return fail("--layers needs at least two sizes (inputs and outputs), e.g. 784,128,10");
  for (size_t i = 0; i < spec.sizes.size(); ++i)
    if (spec.sizes[i] < 1 || spec.sizes[i] > kMaxUnits)
      return fail("--layers: size " + std::to_string(i + 1) + " is " + std::to_string(spec.sizes[i]) +
                  ", expected 1 to " + std::to_string(kMaxUnits));
  if (spec.activations.size() + 1 != spec.sizes.size())
    return fail("--layers: expected one activation per layer");
  for (size_t i = 0; i + 1 < spec.activations.size(); ++i)
    if (spec.activations[i] == Activation::Softmax)
      return fail("softmax can only be the activation of the output layer");
  if (spec.loss == Loss::CrossEntropy && spec.activations.back() != Activation::Softmax)
    return fail("--loss cross-entropy needs a softmax output (--output softmax)");
  if (!(spec.initScale > 0 && std::isfinite(spec.initScale)))
    return fail("--init-scale must be a positive number");
  return Ok{};
}

Expected<Network> makeNetwork(const NetworkSpec& spec, Rng& rng) {
  if (Status s = validate(spec); !s) return fail(s.error());
  Network net;
  net.loss = spec.loss;
  for (size_t l = 0; l + 1 < spec.sizes.size(); ++l) {
    const int m = spec.sizes[l], n = spec.sizes[l + 1];
    Layer layer;
    layer.activation = spec.activations[l];
    layer.weights.resize(m, n);
    // Row by row (input unit i, then its n outgoing weights), the order NumPy fills an
    // (m, n) array, so a student's generator draws in the same sequence.
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j)
        layer.weights(i, j) = static_cast<Scalar>(drawWeight(spec.init, m, n, spec.initScale, rng));
    if (spec.bias) layer.bias = Vector::Zero(n);
    net.layers.push_back(std::move(layer));
  }
  return net;
}

Status validate(const Network& net) {
  if (net.layers.empty()) return fail("the network has no layers");
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    const std::string where = "layers[" + std::to_string(l) + "]";
    if (layer.inputs() < 1 || layer.outputs() < 1) return fail(where + " has an empty weight matrix");
    if (l > 0 && layer.inputs() != net.layers[l - 1].outputs())
      return fail(where + ".inputs is " + std::to_string(layer.inputs()) + " but layers[" +
                  std::to_string(l - 1) + "].outputs is " + std::to_string(net.layers[l - 1].outputs()) +
                  " (shapes must chain)");
    if (layer.hasBias() && layer.bias.size() != layer.outputs())
      return fail(where + ".bias has " + std::to_string(layer.bias.size()) + " numbers, expected " +
                  std::to_string(layer.outputs()));
    if (!layer.weights.allFinite()) return fail(where + ".weights contains a number that is not finite");
    if (layer.hasBias() && !layer.bias.allFinite())
      return fail(where + ".bias contains a number that is not finite");
    if (layer.activation == Activation::Softmax && l + 1 != net.layers.size())
      return fail(where + ".activation: softmax can only be the activation of the output layer");
  }
  if (net.loss == Loss::CrossEntropy && net.layers.back().activation != Activation::Softmax)
    return fail("loss cross-entropy needs a softmax output layer");
  return Ok{};
}

}  // namespace digitrain
