#include "network.h"

#include <cmath>
#include <string>

namespace digitrain {
namespace {

// Weights drawn for an (m, n) matrix: m inputs, n outputs (the TP's orientation).
double drawWeight(Init init, int m, int n, double scale, Rng& rng) {
  switch (init) {
    case Init::NormalSqrtN: return rng.normal() / std::sqrt(static_cast<double>(n));
    case Init::Uniform: return scale * (2.0 * rng.uniform() - 1.0);
    case Init::Xavier: return std::sqrt(6.0 / (m + n)) * (2.0 * rng.uniform() - 1.0);
    case Init::XavierBlog: return (rng.uniform() - 0.5) * std::sqrt(6.0 / (m + n));
    case Init::He: return rng.normal() * std::sqrt(2.0 / m);
    case Init::XavierNormal: return rng.normal() * std::sqrt(2.0 / (m + n));
    case Init::VarianceScaling: {
      double x = rng.normal();
      while (std::abs(x) > 2) x = rng.normal();
      return x / std::sqrt(static_cast<double>(m));
    }
    case Init::LecunNormal: return rng.normal() / std::sqrt(static_cast<double>(m));
  }
  return 0;
}

// The starting value of every bias of a layer (like-weights draws its own after this).
Scalar initialBias(BiasInit init, Activation activation) {
  return init == BiasInit::Relu01 && activation == Activation::Relu ? Scalar(0.1) : Scalar(0);
}

}  // namespace

Status validate(const NetworkSpec& spec) {
  if (spec.sizes.size() < 2) return fail("--layers needs at least two sizes (inputs and outputs), e.g. 784,128,10");
  for (size_t i = 0; i < spec.sizes.size(); ++i)
    if (spec.sizes[i] < 1 || spec.sizes[i] > kMaxLayerUnits)
      return fail("layer sizes: size " + std::to_string(i + 1) + " is " + std::to_string(spec.sizes[i]) +
                  ", expected 1 to " + std::to_string(kMaxLayerUnits));
  if (spec.activations.size() + 1 != spec.sizes.size()) return fail("layer sizes: expected one activation per layer");
  if (const auto broken = checkActivationRules(spec.activations, spec.loss)) {
    const Activation a = spec.activations[broken->layer];
    if (broken->kind == ActivationRuleBreak::OutputOnlyBeforeOutput)
      return fail(std::string(name(a)) + " can only be the activation of the output layer");
    return fail(std::string("loss ") + name(spec.loss) + " needs a " + name(*requiredOutput(spec.loss)) +
                " output, got " + name(a));
  }
  if (!(spec.initScale > 0 && std::isfinite(spec.initScale))) return fail("--init-scale must be a positive number");
  if (!spec.front.empty()) {
    auto flat = frontOutputSize(spec.sizes[0], spec.front);
    if (!flat) return fail("layers: " + flat.error());
    if (!allowedBeforeOutput(spec.frontActivation))
      return fail(std::string(name(spec.frontActivation)) + " can only be the activation of the output layer");
  }
  return Ok{};
}

Expected<Network> makeNetwork(const NetworkSpec& spec, Rng& rng) {
  if (Status s = validate(spec); !s) return fail(s.error());
  Network net;
  net.loss = spec.loss;
  if (!spec.front.empty()) {
    Shape3 shape = *squareImage(spec.sizes[0]);
    for (const FrontSpec& f : spec.front) {
      auto made = shapedFrontLayer<Scalar>(f, shape, spec.frontActivation);
      if (!made) return fail(made.error());
      FrontLayer layer = std::move(*made);
      if (layer.isConv()) {
        const int k = f.kernel, c = layer.in.c, patch = layer.patch();
        layer.weights.resize(patch, f.filters);
        // Drawn in (out, in, ky, kx) order, the order NumPy and PyTorch fill such a kernel;
        // fan-in k·k·C_in, fan-out k·k·C_out.
        for (int o = 0; o < f.filters; ++o)
          for (int ci = 0; ci < c; ++ci)
            for (int ky = 0; ky < k; ++ky)
              for (int kx = 0; kx < k; ++kx)
                layer.weights((ky * k + kx) * c + ci, o) =
                    static_cast<Scalar>(drawWeight(spec.init, patch, k * k * f.filters, spec.initScale, rng));
        if (spec.bias) layer.bias = Vector::Constant(f.filters, initialBias(spec.biasInit, spec.frontActivation));
      }
      shape = layer.out;
      net.front.push_back(std::move(layer));
    }
  }
  for (size_t l = 0; l + 1 < spec.sizes.size(); ++l) {
    const int m = l == 0 && !net.front.empty() ? net.front.back().out.size() : spec.sizes[l];
    const int n = spec.sizes[l + 1];
    Layer layer;
    layer.activation = spec.activations[l];
    layer.weights.resize(m, n);
    // Row by row (input unit i, then its n outgoing weights), the order NumPy fills an
    // (m, n) array, so a student's generator draws in the same sequence.
    // With biases drawn like the weights, the matrix is the lab's (m+1, n): the bias is the
    // last row, for an input fixed at 1, and counts as one more input in the init's width.
    const bool drawBias = spec.bias && spec.biasInit == BiasInit::LikeWeights;
    const int fanIn = drawBias ? m + 1 : m;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j)
        layer.weights(i, j) = static_cast<Scalar>(drawWeight(spec.init, fanIn, n, spec.initScale, rng));
    if (spec.bias) layer.bias = Vector::Constant(n, initialBias(spec.biasInit, layer.activation));
    if (drawBias)
      for (int j = 0; j < n; ++j)
        layer.bias(j) = static_cast<Scalar>(drawWeight(spec.init, fanIn, n, spec.initScale, rng));
    net.layers.push_back(std::move(layer));
  }
  return net;
}

Status validate(const Network& net) {
  if (net.layers.empty()) return fail("the network has no layers");
  for (size_t l = 0; l < net.front.size(); ++l) {
    const FrontLayer& f = net.front[l];
    const std::string where = "front[" + std::to_string(l) + "] (" + frontToken(f.spec) + ")";
    if (l > 0 && !(f.in == net.front[l - 1].out))
      return fail(where + " reads a " + shapeText(f.in) + " map but the layer before it gives " +
                  shapeText(net.front[l - 1].out) + " (shapes must chain)");
    auto out = outputShape(f.spec, f.in);
    if (!out || !(*out == f.out)) return fail(where + " has an inconsistent output shape");
    if (f.isConv() && (f.weights.rows() != f.patch() || f.weights.cols() != f.spec.filters))
      return fail(where + ".weights has the wrong shape");
    if (!f.isConv() && (f.weights.size() != 0 || f.hasBias())) return fail(where + " is a pool layer with weights");
    if (f.hasBias() && f.bias.size() != f.spec.filters) return fail(where + ".bias has the wrong size");
    if (!f.weights.allFinite() || !f.bias.allFinite()) return fail(where + " contains a number that is not finite");
    if (!allowedBeforeOutput(f.activation))
      return fail(where + ": " + name(f.activation) + " can only be the activation of the output layer");
  }
  if (!net.front.empty() && net.front.back().out.size() != net.layers.front().inputs())
    return fail("layers[0].inputs is " + std::to_string(net.layers.front().inputs()) +
                " but the conv/pool layers give " + shapeText(net.front.back().out) + " = " +
                std::to_string(net.front.back().out.size()) + " values");
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    const std::string where = "layers[" + std::to_string(l) + "]";
    if (layer.inputs() < 1 || layer.outputs() < 1) return fail(where + " has an empty weight matrix");
    if (l > 0 && layer.inputs() != net.layers[l - 1].outputs())
      return fail(where + ".inputs is " + std::to_string(layer.inputs()) + " but layers[" + std::to_string(l - 1) +
                  "].outputs is " + std::to_string(net.layers[l - 1].outputs()) + " (shapes must chain)");
    if (layer.hasBias() && layer.bias.size() != layer.outputs())
      return fail(where + ".bias has " + std::to_string(layer.bias.size()) + " numbers, expected " +
                  std::to_string(layer.outputs()));
    if (!layer.weights.allFinite()) return fail(where + ".weights contains a number that is not finite");
    if (layer.hasBias() && !layer.bias.allFinite()) return fail(where + ".bias contains a number that is not finite");
  }
  std::vector<Activation> activations;
  for (const Layer& layer : net.layers) activations.push_back(layer.activation);
  if (const auto broken = checkActivationRules(activations, net.loss)) {
    const std::string where = "layers[" + std::to_string(broken->layer) + "].activation";
    if (broken->kind == ActivationRuleBreak::OutputOnlyBeforeOutput)
      return fail(where + ": " + name(activations[broken->layer]) + " can only be the activation of the output layer");
    return fail(std::string("loss ") + name(net.loss) + " needs a " + name(*requiredOutput(net.loss)) +
                " output layer, but " + where + " is " + name(activations[broken->layer]));
  }
  return Ok{};
}

}  // namespace digitrain
