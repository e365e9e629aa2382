// The network: an optional front of conv/pool layers (conv.h) on the image, flattened into
// dense layers, each with weights, an optional bias and an activation.
// This header is data plus construction; the forward/backward math is in layer_math.h and
// training in trainer.h. A Network is a value: copy it to snapshot it.
#pragma once

#include <string>
#include <vector>

#include "conv.h"
#include "expected.h"
#include "names.h"
#include "random.h"
#include "types.h"

namespace digitrain {

template <class T>
struct LayerT {
  Activation activation = Activation::Sigmoid;
  WeightsT<T> weights;  // inputs × outputs (the TP's (m, n) orientation), row-major
  VectorT<T> bias;      // outputs; size 0 when the layer has no bias

  int inputs() const { return static_cast<int>(weights.rows()); }
  int outputs() const { return static_cast<int>(weights.cols()); }
  bool hasBias() const { return bias.size() > 0; }
};

template <class T>
struct NetworkT {
  std::vector<FrontLayerT<T>> front;  // conv/pool layers before the dense ones; often none
  std::vector<LayerT<T>> layers;
  Loss loss = Loss::CrossEntropy;

  // The image's pixels (the front's input), or the first dense layer's inputs.
  int inputs() const {
    if (!front.empty()) return front.front().in.size();
    return layers.empty() ? 0 : layers.front().inputs();
  }
  // What the first dense layer reads: the inputs, or the front's flattened output.
  int denseInputs() const { return layers.empty() ? 0 : layers.front().inputs(); }
  int outputs() const { return layers.empty() ? 0 : layers.back().outputs(); }
  size_t parameterCount() const {
    size_t n = 0;
    for (const auto& l : front) n += static_cast<size_t>(l.weights.size() + l.bias.size());
    for (const auto& l : layers) n += static_cast<size_t>(l.weights.size() + l.bias.size());
    return n;
  }
  template <class U>
  NetworkT<U> cast() const {
    NetworkT<U> out;
    out.loss = loss;
    for (const auto& l : front) out.front.push_back(l.template cast<U>());
    for (const auto& l : layers)
      out.layers.push_back({l.activation, l.weights.template cast<U>(), l.bias.template cast<U>()});
    return out;
  }
};

using Layer = LayerT<Scalar>;
using FrontLayer = FrontLayerT<Scalar>;
using Network = NetworkT<Scalar>;

// The most units a layer may have: one limit for the settings (and through them the CLI and
// the page) and for building a network.
constexpr int kMaxLayerUnits = 1 << 16;

struct NetworkSpec {
  std::vector<int> sizes;               // e.g. {784, 128, 64, 10}: the inputs, then each dense layer's units
  std::vector<Activation> activations;  // one per dense layer (sizes.size() - 1); conv layers take the first
  Loss loss = Loss::CrossEntropy;
  bool bias = false;
  BiasInit biasInit = BiasInit::Zero;
  Init init = Init::NormalSqrtN;
  double initScale = 0.1;                         // the half-width of `uniform`
  std::vector<FrontSpec> front{};                 // conv/pool layers between the inputs and the first dense layer
  Activation frontActivation = Activation::Relu;  // of the conv layers
};

// Checks that the combination makes sense (softmax only last, cross-entropy needs softmax,
// positive sizes) and names the offending field.
Status validate(const NetworkSpec& spec);

// Builds a network with weights drawn from spec.init using rng, biases as spec.biasInit says.
Expected<Network> makeNetwork(const NetworkSpec& spec, Rng& rng);

// Checks a network loaded from elsewhere: shapes chain, numbers finite, softmax last only.
Status validate(const Network& net);

}  // namespace digitrain
