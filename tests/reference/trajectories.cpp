// Prints, as one JSON object on stdout, what the engine's optimisers and schedule do over
// several steps, with every input they were given, for check_optimizers.py to recompute in
// NumPy from the textbook formulas:
//   rules:     each update rule (float and double) stepping a small layer through a fixed
//              sequence of gradients, in two uneven column blocks as the trainer's threads do;
//   schedules: the learning rate after each epoch of a fixed sequence of epoch losses;
//   trainer:   tiny networks trained batch by batch through the real Trainer, with the data,
//              the starting weights and the weights after every step.
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../cpp/schedule_util.h"
#include "optimizer.h"
#include "trainer.h"

namespace digitrain {
namespace {

using nlohmann::json;

template <class M>
json matrix(const M& m) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(double(m(i, j)));
    rows.push_back(row);
  }
  return rows;
}

template <class V>
json vector(const V& v) {
  json out = json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) out.push_back(double(v(i)));
  return out;
}

template <class T>
json network(const NetworkT<T>& net) {
  json layers = json::array();
  for (const auto& l : net.layers)
    layers.push_back({{"activation", name(l.activation)}, {"weights", matrix(l.weights)}, {"bias", vector(l.bias)}});
  return layers;
}

json optimizerSettings(const TrainConfig& c) {
  return {{"optimizer", name(c.optimizer)},
          {"learning_rate", c.learningRate},
          {"reduction", name(c.reduction)},
          {"l2", c.l2},
          {"momentum", c.momentum},
          {"beta1", c.beta1},
          {"beta2", c.beta2},
          {"epsilon", c.epsilon},
          {"rho", c.rho},
          {"adadelta_epsilon", c.adadeltaEpsilon}};
}

// One rule, stepping a 3×4 layer with biases through `steps` gradients of a batch of 4.
template <class T>
json ruleCase(const std::string& label, const TrainConfig& config, int steps) {
  constexpr int kBatch = 4;
  NetworkT<T> net;
  LayerT<T> layer;
  layer.weights.resize(3, 4);
  layer.bias.resize(4);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) layer.weights(i, j) = T(0.5 * std::sin(1.0 + 2.1 * i + 0.7 * j));
  for (int j = 0; j < 4; ++j) layer.bias(j) = T(0.1 * j - 0.15);
  net.layers.push_back(layer);
  auto rule = makeUpdateRule(config, net);
  const T scale = config.reduction == Reduction::Mean ? T(1) / T(kBatch) : T(1);
  const StepSize<T> size{T(config.learningRate), scale, T(config.l2)};
  json out = {{"label", label},
              {"precision", sizeof(T) == 4 ? "float" : "double"},
              {"settings", optimizerSettings(config)},
              {"batch", kBatch},
              {"initial", network(net)},
              {"gradients", json::array()},
              {"after", json::array()}};
  LayerT<T>& p = net.layers[0];
  for (int t = 0; t < steps; ++t) {
    // Gradients of both signs and of several sizes, summed over the batch (hence up to ~kBatch).
    GradientsT<T> g;
    g.resize(net);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j)
        g.weights[0](i, j) = T(kBatch * std::sin(0.9 * i + 1.7 * j + 2.3 * t) * (1 + 0.5 * t));
    for (int j = 0; j < 4; ++j) g.bias[0](j) = T(kBatch * std::cos(1.3 * j + 0.4 * t));
    json given = {{"weights", matrix(g.weights[0])}, {"bias", vector(g.bias[0])}};
    rule->beginStep();
    // Two uneven blocks of columns, [0, 1) and [1, 4), each with its own part of the state.
    for (auto [c0, n] : {std::pair<int, int>{0, 1}, {1, 3}}) {
      rule->updateWeights(0, c0, p.weights.middleCols(c0, n), g.weights[0].middleCols(c0, n), size);
      rule->updateBiases(0, c0, p.bias.segment(c0, n), g.bias[0].segment(c0, n), size);
    }
    out["gradients"].push_back(given);
    out["after"].push_back(network(net));
  }
  return out;
}

json rules() {
  json out = json::array();
  struct Case {
    std::string label;
    Optimizer optimizer;
    double lr, momentum = 0.9, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, rho = 0.95, adadeltaEpsilon = 1e-6;
  };
  const Case cases[] = {
      {"sgd", Optimizer::Sgd, 0.1},
      {"momentum", Optimizer::Momentum, 0.05},
      {"momentum 0.5", Optimizer::Momentum, 0.05, 0.5},
      {"adam", Optimizer::Adam, 0.01},
      // β's far from the defaults and an ε that matters, so each sits where the formula puts it.
      {"adam β1 0.5 β2 0.8 ε 0.3", Optimizer::Adam, 0.02, 0.9, 0.5, 0.8, 0.3},
      {"adadelta", Optimizer::Adadelta, 1.0},
      // ρ and ε where each term counts, and a learning rate that scales the step only.
      {"adadelta ρ 0.6 ε 0.01 lr 0.5", Optimizer::Adadelta, 0.5, 0.9, 0.9, 0.999, 1e-8, 0.6, 0.01},
  };
  for (const Case& c : cases)
    for (Reduction reduction : {Reduction::Sum, Reduction::Mean})
      for (double l2 : {0.0, 0.3}) {
        TrainConfig config;
        config.optimizer = c.optimizer;
        config.learningRate = c.lr;
        config.momentum = c.momentum;
        config.beta1 = c.beta1;
        config.beta2 = c.beta2;
        config.epsilon = c.epsilon;
        config.rho = c.rho;
        config.adadeltaEpsilon = c.adadeltaEpsilon;
        config.reduction = reduction;
        config.l2 = l2;
        const std::string label = c.label + ", " + name(reduction) + ", l2 " + (l2 > 0 ? "0.3" : "0");
        out.push_back(ruleCase<float>(label, config, 6));
        out.push_back(ruleCase<double>(label, config, 6));
      }
  return out;
}

json schedules() {
  // Rises after epochs 3, 6 and 7; epoch 5 equals epoch 4 (not a rise).
  const std::vector<double> losses = {1.0, 0.8, 0.9, 0.7, 0.7, 0.75, 0.8, 0.5, 0.4, 0.45};
  struct Case {
    std::string label;
    bool anneal;
    double annealFactor;
    int every;
    double stepFactor;
  };
  const Case cases[] = {{"constant", false, 0.9, 0, 0.5},
                        {"anneal on rise ×0.5", true, 0.5, 0, 0.5},
                        {"step decay ×0.3 every 3", false, 0.9, 3, 0.3},
                        {"anneal ×0.9 and step decay ×0.5 every 2", true, 0.9, 2, 0.5}};
  json out = json::array();
  for (const Case& c : cases) {
    TrainConfig config;
    config.learningRate = 0.2;
    config.annealOnRise = c.anneal;
    config.annealFactor = c.annealFactor;
    config.stepDecayEvery = c.every;
    config.stepDecayFactor = c.stepFactor;
    const std::vector<EpochMetrics> history = testing::epochsWithLosses(config, losses);
    json rates = json::array();
    for (const EpochMetrics& m : history) rates.push_back(m.learningRate);
    rates.push_back(scheduledLearningRate(config, history));  // the epoch after the last
    out.push_back({{"label", c.label},
                   {"learning_rate", config.learningRate},
                   {"anneal_on_rise", c.anneal},
                   {"anneal_factor", c.annealFactor},
                   {"step_decay_every", c.every},
                   {"step_decay_factor", c.stepFactor},
                   {"losses", losses},
                   {"rates", rates}});
  }
  return out;
}

// `count` side×side images whose pixels are a fixed function of (sample, pixel); with
// `sparse` about two thirds of them are 0, so the trainer's sparse first layer is used.
std::shared_ptr<Dataset> tinyDigits(int count, int side, bool sparse) {
  auto set = std::make_shared<Dataset>();
  set->rows = set->cols = side;
  const int n = side * side;
  set->images.resize(static_cast<size_t>(count) * n);
  set->labels.resize(count);
  for (int s = 0; s < count; ++s) {
    set->labels[s] = static_cast<uint8_t>((7 * s + 3) % kClasses);
    for (int i = 0; i < n; ++i) {
      const unsigned h = (131u * s + 71u * i + 17u * s * i) % 251u;
      set->images[static_cast<size_t>(s) * n + i] = static_cast<uint8_t>(sparse && h % 3 != 0 ? 0 : 1 + h);
    }
  }
  return set;
}

json trainerCase(const std::string& label, TrainConfig config, int count, bool sparse) {
  config.layers = {9, 5, kClasses};
  config.shuffle = false;  // the batches are samples [0, B), [B, 2B), …
  config.dropout = 0;
  config.seed = 3;
  auto data = tinyDigits(count, 3, sparse);
  auto made = Trainer::create(config, data, nullptr);
  if (!made) throw std::runtime_error(label + ": " + made.error());
  Trainer& trainer = *made.value();
  json images = json::array();
  for (uint8_t b : data->images) images.push_back(b);
  json out = {{"label", label},
              {"settings", optimizerSettings(config)},
              {"loss", name(config.loss)},
              {"batch", trainer.batchesPerEpoch() == 1 ? count : config.batchSize},
              {"threads", config.threads},
              {"anneal_on_rise", config.annealOnRise},
              {"anneal_factor", config.annealFactor},
              {"step_decay_every", config.stepDecayEvery},
              {"step_decay_factor", config.stepDecayFactor},
              {"images", images},
              {"labels", data->labels},
              {"initial", network(trainer.network())},
              {"after", json::array()},
              {"batch_losses", json::array()},
              {"epochs", json::array()}};
  while (!trainer.finished()) {
    StepResult r = trainer.train(1);
    if (!r.diverged.empty()) throw std::runtime_error(label + ": " + r.diverged);
    out["after"].push_back(network(trainer.network()));
    out["batch_losses"].push_back(double(r.batchLosses.at(0)));
  }
  for (const EpochMetrics& m : trainer.history())
    out["epochs"].push_back({{"train_loss", m.trainLoss}, {"learning_rate", m.learningRate}});
  return out;
}

json trainerCases() {
  json out = json::array();
  TrainConfig c;
  c.hidden = Activation::Sigmoid;
  c.output = Activation::Softmax;
  c.loss = Loss::CrossEntropy;
  c.bias = true;
  c.init = Init::Xavier;
  c.epochs = 4;
  c.batchSize = 4;

  TrainConfig m = c;  // large steps, so the loss rises and the rate is annealed
  m.optimizer = Optimizer::Momentum;
  m.momentum = 0.9;
  m.learningRate = 2;
  m.epochs = 5;
  m.reduction = Reduction::Mean;
  m.l2 = 0.01;
  m.annealOnRise = true;
  m.annealFactor = 0.5;
  m.stepDecayEvery = 3;
  m.stepDecayFactor = 0.7;
  out.push_back(trainerCase("momentum, mean, l2, anneal + step decay", m, 12, false));
  m.threads = 2;
  m.batchSize = 40;  // ≥ 2 × 16 samples: both threads fill gradient buffers
  out.push_back(trainerCase("momentum, mean, l2, anneal + step decay, 2 threads", m, 120, true));

  TrainConfig a = c;
  a.hidden = Activation::Tanh;
  a.optimizer = Optimizer::Adam;
  a.learningRate = 0.05;
  a.reduction = Reduction::Sum;
  a.l2 = 0.002;
  a.stepDecayEvery = 2;
  a.stepDecayFactor = 0.5;
  out.push_back(trainerCase("adam, sum, l2, step decay", a, 12, true));
  a.threads = 2;
  a.batchSize = 40;
  a.reduction = Reduction::Mean;
  out.push_back(trainerCase("adam, mean, l2, step decay, 2 threads", a, 120, false));

  TrainConfig d = c;  // ConvNetJS's trainer: Adadelta, mean, L2, learning rate 1
  d.hidden = Activation::Relu;
  d.optimizer = Optimizer::Adadelta;
  d.learningRate = 1;
  d.reduction = Reduction::Mean;
  d.l2 = 0.001;
  out.push_back(trainerCase("adadelta, mean, l2", d, 12, false));
  d.threads = 2;
  d.batchSize = 40;
  out.push_back(trainerCase("adadelta, mean, l2, 2 threads", d, 120, true));

  TrainConfig s = c;  // plain SGD: the steps fused into the gradient products
  s.hidden = Activation::Relu;
  s.init = Init::He;
  s.optimizer = Optimizer::Sgd;
  s.learningRate = 0.5;
  s.reduction = Reduction::Mean;
  s.l2 = 0.05;
  out.push_back(trainerCase("sgd, mean, l2 (fused, one thread)", s, 12, false));
  s.threads = 2;
  s.batchSize = 40;
  out.push_back(trainerCase("sgd, mean, l2 (fused, 2 threads)", s, 120, true));

  TrainConfig f = c;  // the lab's full-batch MSE steps, in 256-sample chunks through gradient buffers
  f.output = Activation::Sigmoid;
  f.loss = Loss::Mse;
  f.optimizer = Optimizer::Sgd;
  f.learningRate = 1;
  f.reduction = Reduction::Mean;
  f.l2 = 0.01;
  f.batchSize = 0;
  f.epochs = 3;
  out.push_back(trainerCase("sgd, full batch of 300 in chunks, mse, l2", f, 300, true));

  TrainConfig t = c;  // the NumPy tutorial's loss: Σ(o − y)² reported, stepped along o − y
  t.hidden = Activation::Relu;
  t.output = Activation::Identity;
  t.loss = Loss::TotalSquaredError;
  t.optimizer = Optimizer::Sgd;
  t.learningRate = 0.05;
  t.reduction = Reduction::Sum;
  t.batchSize = 1;
  t.epochs = 2;
  out.push_back(trainerCase("sgd, per sample, total-squared-error", t, 12, false));
  return out;
}

}  // namespace
}  // namespace digitrain

int main() {
  using namespace digitrain;
  try {
    json out = {{"rules", rules()}, {"schedules", schedules()}, {"trainer", trainerCases()}};
    std::cout << out.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "trajectories: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
