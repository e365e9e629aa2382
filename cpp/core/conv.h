// Convolution and max-pooling layers: what they are (their spec, as the `layers` setting writes
// them), their shapes and their parameters. The forward and backward passes are in conv_math.h.
//
// A network is an optional front of conv/pool layers on the image, flattened into the dense
// layers of network.h. Images and feature maps are stored HWC, one column per sample:
//   element (y, x, c) of an H×W×C map is at (y·W + x)·C + c
// (the pixel order of an IDX image for C = 1; TensorFlow's channels-last; the flatten into the
// first dense layer reads this order). A conv layer's weights are a (k·k·C_in) × C_out matrix,
// row-major like the dense layers' (inputs × outputs), its rows in (ky, kx, c_in) order, so the
// layer is z = Wᵀ·patch for every output position: im2col and the dense kernels.
#pragma once

#include <string>
#include <vector>

#include "expected.h"
#include "names.h"
#include "types.h"

namespace digitrain {

enum class FrontKind { Conv, Pool };

// One conv or pool layer as the settings write it (see parseFrontSpec).
struct FrontSpec {
  FrontKind kind = FrontKind::Conv;
  int kernel = 0;     // k: the k×k kernel or window
  int filters = 0;    // conv: output channels
  int stride = 1;     // conv: 1 by default; pool: k by default
  bool same = false;  // conv: zero padding so that the output is ⌈H/stride⌉ × ⌈W/stride⌉
};
bool operator==(const FrontSpec& a, const FrontSpec& b);
inline bool operator!=(const FrontSpec& a, const FrontSpec& b) { return !(a == b); }

// The largest kernel, filter count and stride a spec may name: one limit for the settings, the
// model file and the network.
constexpr int kMaxKernel = 32;
constexpr int kMaxFilters = 1024;

// The word each kind's token starts with ("conv", "pool"): what tells a layer from a unit count
// wherever a layer list is read (the settings' check, the page's field through the schema).
const std::vector<std::string>& frontPrefixes();  // in FrontKind order
// Whether `token` starts like a conv or pool layer (parseFrontSpec says whether the rest is right).
bool namesFrontLayer(const std::string& token);

// "conv5x8" (5×5 kernel, 8 filters, stride 1, valid), "conv3x32s2same", "pool2" (2×2 window,
// stride 2), "pool3s2". Refuses anything else with what the syntax is.
Expected<FrontSpec> parseFrontSpec(const std::string& token);
std::string frontToken(const FrontSpec& spec);
// The syntax in one line, for help texts and errors.
extern const char* const kFrontSyntax;

struct Shape3 {
  int h = 0, w = 0, c = 0;
  int size() const { return h * w * c; }
};
bool operator==(const Shape3& a, const Shape3& b);
std::string shapeText(const Shape3& s);  // "12×12×8"

// The zero padding before the first row (and column) of a `same` conv, TensorFlow's rule: the
// total is max((out − 1)·stride + k − in, 0), the extra one (if odd) after the last row.
int padBefore(const FrontSpec& spec, int in);
// The output shape of `spec` on an `in` map, or why there is none ("its input is 4×4×8,
// smaller than its 5×5 kernel").
Expected<Shape3> outputShape(const FrontSpec& spec, const Shape3& in);

// The input shape of a conv front on `inputs` pixels: a square single-channel image.
Expected<Shape3> squareImage(int inputs);

// Checks every layer of a front on an `inputs`-pixel image and returns the flattened size the
// dense layers receive; an error names the layer by its position in `layers` (the input is
// position 1) and token: "conv5x16 at position 4 gets a 4×4×8 input, smaller than its 5×5 kernel".
Expected<int> frontOutputSize(int inputs, const std::vector<FrontSpec>& front);

template <class T>
struct FrontLayerT {
  FrontSpec spec;
  Activation activation = Activation::Relu;  // conv only
  Shape3 in, out;
  int padTop = 0, padLeft = 0;
  WeightsT<T> weights;  // conv: (k·k·in.c) × filters, rows (ky, kx, c_in); pool: empty
  VectorT<T> bias;      // conv with bias: filters; else empty

  bool isConv() const { return spec.kind == FrontKind::Conv; }
  bool hasBias() const { return bias.size() > 0; }
  int patch() const { return spec.kernel * spec.kernel * in.c; }

  template <class U>
  FrontLayerT<U> cast() const {
    return {spec, activation, in, out, padTop, padLeft, weights.template cast<U>(), bias.template cast<U>()};
  }
};

// A layer's shapes and padding from its spec on an `in` map (weights left empty), or why not.
template <class T>
Expected<FrontLayerT<T>> shapedFrontLayer(const FrontSpec& spec, const Shape3& in, Activation activation) {
  auto out = outputShape(spec, in);
  if (!out) return fail(out.error());
  FrontLayerT<T> layer;
  layer.spec = spec;
  layer.activation = spec.kind == FrontKind::Conv ? activation : Activation::Identity;
  layer.in = in;
  layer.out = *out;
  if (spec.kind == FrontKind::Conv && spec.same) {
    layer.padTop = padBefore(spec, in.h);
    layer.padLeft = padBefore(spec, in.w);
  }
  return layer;
}

}  // namespace digitrain
