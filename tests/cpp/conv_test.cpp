// Conv and pool layers: the layer syntax, shapes, and central-difference gradient checks in
// double for every padding/stride case, several channels, odd sizes and each activation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "conv_math.h"
#include "random.h"

namespace digitrain {
namespace {

using Net = NetworkT<double>;

TEST(ConvSpec, ParsesAndWritesTheLayerSyntax) {
  for (const char* token : {"conv5x8", "conv3x32same", "conv3x4s2", "conv3x4s2same", "pool2", "pool3s2", "pool1"}) {
    auto spec = parseFrontSpec(token);
    ASSERT_TRUE(spec) << token << ": " << spec.error();
    EXPECT_EQ(frontToken(*spec), token);
  }
  const FrontSpec conv = *parseFrontSpec("conv5x8");
  EXPECT_EQ(conv.kind, FrontKind::Conv);
  EXPECT_EQ(conv.kernel, 5);
  EXPECT_EQ(conv.filters, 8);
  EXPECT_EQ(conv.stride, 1);
  EXPECT_FALSE(conv.same);
  const FrontSpec pool = *parseFrontSpec("pool2");
  EXPECT_EQ(pool.kind, FrontKind::Pool);
  EXPECT_EQ(pool.stride, 2);
  EXPECT_EQ(frontToken(*parseFrontSpec("pool2s2")), "pool2");
  EXPECT_EQ(frontToken(*parseFrontSpec("conv3x4s1")), "conv3x4");
  for (const char* bad : {"conv", "conv5", "conv5x", "conv0x8", "conv5x8x", "conv33x8", "pool", "pool2same", "poolx2",
                          "conv5x8s0", "dense", "conv5x8 ", "conv5x2000"}) {
    auto spec = parseFrontSpec(bad);
    ASSERT_FALSE(spec) << bad;
    EXPECT_NE(spec.error().find(std::string("\"") + bad + "\" is not a layer"), std::string::npos) << spec.error();
  }
}

TEST(ConvSpec, ShapesFollowValidAndSamePadding) {
  const Shape3 in{28, 28, 1};
  EXPECT_EQ(outputShape(*parseFrontSpec("conv5x8"), in)->h, 24);
  EXPECT_EQ(outputShape(*parseFrontSpec("conv5x8same"), in)->h, 28);
  EXPECT_EQ(outputShape(*parseFrontSpec("conv5x8s2same"), in)->h, 14);
  EXPECT_EQ(outputShape(*parseFrontSpec("conv3x8s2"), in)->h, 13);
  EXPECT_EQ(outputShape(*parseFrontSpec("pool2"), Shape3{5, 5, 3})->h, 2);  // the partial window is dropped
  EXPECT_EQ(outputShape(*parseFrontSpec("pool2"), Shape3{5, 5, 3})->c, 3);
  // TensorFlow's `same`: 28 → 14 at stride 2 with a 5×5 kernel pads 1 before, 2 after.
  EXPECT_EQ(padBefore(*parseFrontSpec("conv5x8s2same"), 28), 1);
  EXPECT_EQ(padBefore(*parseFrontSpec("conv5x8same"), 28), 2);
  // The TF.js example: 28 → 24 → 12 → 8 → 4, 4·4·16 = 256 values into the dense layer.
  std::vector<FrontSpec> tfjs;
  for (const char* t : {"conv5x8", "pool2", "conv5x16", "pool2"}) tfjs.push_back(*parseFrontSpec(t));
  EXPECT_EQ(*frontOutputSize(784, tfjs), 256);
  tfjs.push_back(*parseFrontSpec("conv5x16"));
  EXPECT_EQ(frontOutputSize(784, tfjs).error(),
            "conv5x16 at position 6 gets a 4×4×16 input, smaller than its 5×5 kernel (`same` padding would keep "
            "the size)");
  EXPECT_EQ(frontOutputSize(780, tfjs).error(),
            "conv and pool layers need a square image as input, but 780 inputs are not the pixels of one (784 = "
            "28×28 is)");
}

// A front of `specs` on an `in` map, then one dense softmax layer of 3 units.
Net makeNet(const std::vector<std::string>& specs, Shape3 in, Activation act, bool bias, Rng& rng) {
  Net net;
  net.loss = Loss::CrossEntropy;
  for (const std::string& token : specs) {
    auto layer = shapedFrontLayer<double>(*parseFrontSpec(token), in, act);
    EXPECT_TRUE(layer) << layer.error();
    if (layer->isConv()) {
      layer->weights.resize(layer->patch(), layer->spec.filters);
      for (Eigen::Index i = 0; i < layer->weights.size(); ++i) layer->weights.data()[i] = rng.normal() * 0.5;
      if (bias) {
        layer->bias.resize(layer->spec.filters);
        for (Eigen::Index i = 0; i < layer->bias.size(); ++i) layer->bias(i) = rng.normal() * 0.3;
      }
    }
    in = layer->out;
    net.front.push_back(*layer);
  }
  LayerT<double> dense;
  dense.activation = Activation::Softmax;
  dense.weights.resize(in.size(), 3);
  for (Eigen::Index i = 0; i < dense.weights.size(); ++i) dense.weights.data()[i] = rng.normal() * 0.5;
  dense.bias = VectorT<double>::Zero(bias ? 3 : 0);
  net.layers.push_back(dense);
  return net;
}

struct Buffers {
  FrontWorkspace<double> fw;
  Workspace<double> ws;
  MatrixT<double> input;
  MatrixT<double> target;
};

double objective(const Net& net, Buffers& b, int B) {
  b.fw.x[0].leftCols(B) = b.input;
  frontForward(net, b.fw, b.ws, B);
  forward(net, b.ws, B);
  b.ws.target.leftCols(B) = b.target;
  return outputError(net, b.ws, B);
}

void checkGradients(const std::vector<std::string>& specs, Shape3 in, Activation act, bool bias) {
  std::string label;
  for (const auto& s : specs) label += s + " ";
  SCOPED_TRACE(label + shapeText(in) + " " + name(act) + (bias ? " bias" : ""));
  Rng rng(7);
  Net net = makeNet(specs, in, act, bias, rng);
  const int B = 3;
  Buffers b;
  b.fw.resize(net, B);
  b.fw.inputGradient = true;
  b.ws.resize(net, B, false);
  b.input.resize(in.size(), B);
  for (Eigen::Index i = 0; i < b.input.size(); ++i) b.input.data()[i] = rng.uniform() * 2 - 1;
  b.target = MatrixT<double>::Zero(3, B);
  for (int j = 0; j < B; ++j) b.target(rng.below(3), j) = 1;

  objective(net, b, B);
  propagateErrors(net, b.ws, B);
  FrontGradientsT<double> g;
  g.resize(net);
  // Garbage first: `overwrite` must replace it.
  for (auto& w : g.weights) w.setConstant(5);
  for (auto& v : g.bias) v.setConstant(5);
  frontBackward(net, b.fw, b.ws, B, g, true);
  const MatrixT<double> inputGradient = b.fw.g[0].leftCols(B);

  const double h = 1e-6;
  auto numeric = [&](double& x) {
    const double keep = x;
    x = keep + h;
    const double up = objective(net, b, B);
    x = keep - h;
    const double down = objective(net, b, B);
    x = keep;
    return (up - down) / (2 * h);
  };
  int checked = 0;
  for (size_t l = 0; l < net.front.size(); ++l) {
    auto& f = net.front[l];
    for (Eigen::Index i = 0; i < f.weights.size(); ++i, ++checked)
      EXPECT_NEAR(g.weights[l].data()[i], numeric(f.weights.data()[i]), 1e-6) << "front " << l << " weight " << i;
    for (Eigen::Index i = 0; i < f.bias.size(); ++i, ++checked)
      EXPECT_NEAR(g.bias[l](i), numeric(f.bias(i)), 1e-6) << "front " << l << " bias " << i;
  }
  for (Eigen::Index i = 0; i < b.input.size(); ++i, ++checked)
    EXPECT_NEAR(inputGradient.data()[i], numeric(b.input.data()[i]), 1e-6) << "input " << i;
  EXPECT_GT(checked, 0);
}

TEST(ConvGradients, ValidStrideOneOneChannel) { checkGradients({"conv3x2"}, {6, 6, 1}, Activation::Tanh, true); }
TEST(ConvGradients, SamePaddingOddSize) { checkGradients({"conv3x3same"}, {5, 5, 2}, Activation::Sigmoid, true); }
TEST(ConvGradients, EvenKernelSamePadding) { checkGradients({"conv2x2same"}, {5, 5, 2}, Activation::Tanh, false); }
TEST(ConvGradients, StrideTwoValid) { checkGradients({"conv3x4s2"}, {7, 7, 3}, Activation::Tanh, true); }
TEST(ConvGradients, StrideTwoSame) { checkGradients({"conv3x2s2same"}, {7, 7, 2}, Activation::Sigmoid, true); }
TEST(ConvGradients, StrideLargerThanKernel) { checkGradients({"conv2x2s3"}, {8, 8, 2}, Activation::Tanh, false); }
TEST(ConvGradients, ReluConvPool) { checkGradients({"conv3x3", "pool2"}, {7, 7, 1}, Activation::Relu, true); }
TEST(ConvGradients, OverlappingPoolOddSize) {
  checkGradients({"conv3x2same", "pool3s2", "conv2x3"}, {9, 9, 2}, Activation::Tanh, true);
}
TEST(ConvGradients, TwoStagesLikeTheTfjsExample) {
  checkGradients({"conv5x3", "pool2", "conv3x4", "pool2"}, {14, 14, 1}, Activation::Sigmoid, true);
}
TEST(ConvGradients, PoolFirstIdentity) {
  checkGradients({"pool2", "conv3x2same"}, {6, 6, 2}, Activation::Identity, true);
}

// The conv layers run one product per group of samples: any group size gives every sample the
// same activations and input errors, bit for bit, and the same kernel and bias gradients up to
// the order their sums are added in. Group 1 is one sample per product. Skipping the first
// layer's all-zero patches changes no bit.
TEST(ConvGroups, EveryGroupSizeGivesTheSameValues) {
  Rng rng(11);
  const Shape3 in{9, 9, 2};
  const Net net = makeNet({"conv3x5", "pool2", "conv2x4same"}, in, Activation::Tanh, true, rng);
  const int B = 7;
  MatrixT<double> input(in.size(), B);
  for (Eigen::Index i = 0; i < input.size(); ++i) input.data()[i] = rng.uniform() * 2 - 1;
  // Blank top rows, like a digit's border: the first layer's patches there are all zero.
  input.topRows(4 * in.w * in.c).setZero();
  MatrixT<double> target = MatrixT<double>::Zero(3, B);
  for (int j = 0; j < B; ++j) target(rng.below(3), j) = 1;
  struct Run {
    MatrixT<double> output, inputGradient;
    FrontGradientsT<double> g;
  };
  const auto run = [&](int group, bool skipZeroPatches) {
    Buffers b;
    b.fw.group = group;
    b.fw.skipZeroPatches = skipZeroPatches;
    b.fw.resize(net, B);
    b.fw.inputGradient = true;
    b.ws.resize(net, B, false);
    b.input = input;
    b.target = target;
    objective(net, b, B);
    propagateErrors(net, b.ws, B);
    Run r;
    r.output = b.ws.a.back().leftCols(B);
    r.g.resize(net);
    frontBackward(net, b.fw, b.ws, B, r.g, true);
    r.inputGradient = b.fw.g[0].leftCols(B);
    return r;
  };
  const Run one = run(1, true);
  for (int group : {2, 3, B, 64}) {
    SCOPED_TRACE("group " + std::to_string(group));
    const Run r = run(group, true);
    const Run all = run(group, false);
    EXPECT_EQ(all.output, r.output);
    EXPECT_EQ(all.inputGradient, r.inputGradient);
    for (size_t l = 0; l < net.front.size(); ++l) {
      EXPECT_EQ(all.g.weights[l], r.g.weights[l]) << "front " << l;
      EXPECT_EQ(all.g.bias[l], r.g.bias[l]) << "front " << l;
    }
    EXPECT_EQ(r.output, one.output);
    EXPECT_EQ(r.inputGradient, one.inputGradient);
    for (size_t l = 0; l < net.front.size(); ++l) {
      if (!net.front[l].isConv()) continue;
      EXPECT_LT((r.g.weights[l] - one.g.weights[l]).cwiseAbs().maxCoeff(), 1e-12) << "front " << l;
      EXPECT_LT((r.g.bias[l] - one.g.bias[l]).cwiseAbs().maxCoeff(), 1e-12) << "front " << l;
      EXPECT_GT(r.g.weights[l].cwiseAbs().maxCoeff(), 1e-3) << "front " << l;
    }
  }
}

}  // namespace
}  // namespace digitrain
