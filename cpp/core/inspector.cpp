#include "inspector.h"

#include <cmath>
#include <string>

#include "conv_math.h"
#include "layer_math.h"

namespace digitrain {
namespace {

nlohmann::json vec(const VectorT<double>& v) {
  if (v.size() == 0) return nullptr;
  return std::vector<double>(v.data(), v.data() + v.size());
}

nlohmann::json mat(const MatrixT<double>& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    std::vector<double> row(m.cols());
    for (Eigen::Index j = 0; j < m.cols(); ++j) row[j] = m(i, j);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

Expected<Inspection> inspectStep(const NetworkT<double>& net, const std::vector<double>& input,
                                 const std::vector<double>& target, double learningRate) {
  if (net.layers.empty()) return fail("the model has no layers");
  if (static_cast<int>(input.size()) != net.inputs())
    return fail("the input has " + std::to_string(input.size()) + " values but the model has " +
                std::to_string(net.inputs()) + " inputs");
  if (static_cast<int>(target.size()) != net.outputs())
    return fail("the target has " + std::to_string(target.size()) + " values but the model has " +
                std::to_string(net.outputs()) + " outputs");
  for (double x : input)
    if (!std::isfinite(x)) return fail("the input contains a value that is not a finite number");
  for (double y : target)
    if (!std::isfinite(y)) return fail("the target contains a value that is not a finite number");
  if (!std::isfinite(learningRate) || learningRate < 0) return fail("--lr must be a finite number ≥ 0");

  Inspection out;
  out.input = input;
  out.target = target;
  out.learningRate = learningRate;

  Workspace<double> ws;
  ws.resize(net, 1, false);
  FrontWorkspace<double> fw;
  fw.resize(net, 1);
  const auto x = Eigen::Map<const VectorT<double>>(input.data(), input.size());
  if (net.front.empty()) {
    ws.a[0].col(0) = x;
  } else {
    fw.x[0].col(0) = x;
    frontForward(net, fw, ws, 1);
  }
  ws.target.col(0) = Eigen::Map<const VectorT<double>>(target.data(), target.size());
  forward(net, ws, 1);
  out.lossBefore = outputError(net, ws, 1);
  GradientsT<double> g;
  g.resize(net);
  backward(net, ws, 1, g, true);
  FrontGradientsT<double> fg;
  fg.resize(net);
  if (!net.front.empty()) frontBackward(net, fw, ws, 1, fg, true);

  const auto& o = ws.a.back();
  out.outputBefore.assign(o.data(), o.data() + o.rows());
  NetworkT<double> after = net;
  for (size_t l = 0; l < net.front.size(); ++l) {
    InspectedFront F;
    F.layer = frontToken(net.front[l].spec);
    F.spec = net.front[l].spec;
    F.inChannels = net.front[l].in.c;
    F.a = fw.x[l + 1].col(0);
    F.e = fw.g[l + 1].col(0);
    F.weightGradient = fg.weights[l];
    F.biasGradient = fg.bias[l];
    after.front[l].weights -= learningRate * fg.weights[l];
    if (after.front[l].hasBias()) after.front[l].bias -= learningRate * fg.bias[l];
    F.weightsAfter = after.front[l].weights;
    F.biasAfter = after.front[l].bias;
    out.front.push_back(std::move(F));
  }
  for (size_t l = 0; l < net.layers.size(); ++l) {
    InspectedLayer L;
    L.z = ws.z[l].col(0);
    L.a = ws.a[l + 1].col(0);
    L.e = ws.e[l].col(0);
    L.weightGradient = g.weights[l];
    L.biasGradient = g.bias[l];
    after.layers[l].weights -= learningRate * g.weights[l];
    if (after.layers[l].hasBias()) after.layers[l].bias -= learningRate * g.bias[l];
    L.weightsAfter = after.layers[l].weights;
    L.biasAfter = after.layers[l].bias;
    out.layers.push_back(std::move(L));
  }
  if (!after.front.empty()) frontForward(after, fw, ws, 1);
  forward(after, ws, 1);
  out.lossAfter = outputError(after, ws, 1);
  const auto& o2 = ws.a.back();
  out.outputAfter.assign(o2.data(), o2.data() + o2.rows());
  return out;
}

nlohmann::json inspectionToJson(const Inspection& in) {
  nlohmann::json j;
  j["input"] = in.input;
  j["target"] = in.target;
  j["learning_rate"] = in.learningRate;
  j["loss_before"] = in.lossBefore;
  j["output_before"] = in.outputBefore;
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& L : in.layers) {
    layers.push_back({{"z", vec(L.z)},
                      {"a", vec(L.a)},
                      {"e", vec(L.e)},
                      {"weight_gradient", mat(L.weightGradient)},
                      {"bias_gradient", vec(L.biasGradient)},
                      {"weights_after", mat(L.weightsAfter)},
                      {"bias_after", vec(L.biasAfter)}});
  }
  if (!in.front.empty()) {
    // Kernels as the model file writes them: [out][in][ky][kx].
    const auto kernel = [](const InspectedFront& F, const MatrixT<double>& w) {
      const int k = F.spec.kernel, C = F.inChannels;
      nlohmann::json outs = nlohmann::json::array();
      for (int o = 0; o < F.spec.filters; ++o) {
        nlohmann::json ins = nlohmann::json::array();
        for (int c = 0; c < C; ++c) {
          nlohmann::json rows = nlohmann::json::array();
          for (int ky = 0; ky < k; ++ky) {
            nlohmann::json row = nlohmann::json::array();
            for (int kx = 0; kx < k; ++kx) row.push_back(w((ky * k + kx) * C + c, o));
            rows.push_back(row);
          }
          ins.push_back(rows);
        }
        outs.push_back(ins);
      }
      return outs;
    };
    nlohmann::json front = nlohmann::json::array();
    for (const auto& F : in.front) {
      nlohmann::json f = {{"layer", F.layer}, {"a", vec(F.a)}, {"e", vec(F.e)}};
      if (F.spec.kind == FrontKind::Conv) {
        f["weight_gradient"] = kernel(F, F.weightGradient);
        f["bias_gradient"] = vec(F.biasGradient);
        f["weights_after"] = kernel(F, F.weightsAfter);
        f["bias_after"] = vec(F.biasAfter);
      }
      front.push_back(f);
    }
    j["front"] = front;
  }
  j["layers"] = layers;
  j["output_after"] = in.outputAfter;
  j["loss_after"] = in.lossAfter;
  return j;
}

}  // namespace digitrain
