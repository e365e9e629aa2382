#include "presets.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "config_json.h"

namespace digitrain {
namespace {

// A preset written as the settings a user saves (config_json.h: snake_case keys, names for
// the enums), on TrainConfig's defaults. The presets test reads every one, so a misspelt key
// or value fails there; here it stops the program, as a broken table would.
Preset preset(const char* name, const char* source, const char* description, std::string_view settings) {
  auto config = applyConfigJsonText(TrainConfig{}, settings);
  if (!config) {
    std::fprintf(stderr, "preset %s: %s\n", name, config.error().c_str());
    std::abort();
  }
  config->preset = name;
  return {name, source, description, std::move(config.value())};
}

std::vector<Preset> makePresets() {
  std::vector<Preset> out;

  // TP "Neural Networks in Pure NumPy" (tp-ffnn-pure-numpy): Tasks 5–18. e3 = a3 − y is the
  // softmax + cross-entropy gradient; Task 5 initialises with N(0,1)/√n for an (m, n) matrix;
  // δw = aᵀ·e is summed over the batch; Task 14 feeds one input at a time (Tasks 16–18 vary
  // it) and the inner loop "iterates over all inputs" in order.
  out.push_back(preset("tp", "TP 4-6 \"Neural Networks in Pure NumPy\" (TP BDA 2024-2025), Tasks 5-18",
                       "784-128-64-10 sigmoid + softmax, no biases, N(0,1)/sqrt(n) init, summed gradient, "
                       "lr 0.001, one sample per step, 30 epochs (the TP reports ~2.7% test error on full MNIST; "
                       "measured: 3.45% after 30 epochs, seed 1, 2.7% after 42)",
                       R"({"layers": [784, 128, 64, 10], "hidden": "sigmoid", "output": "softmax",
                           "loss": "cross-entropy", "bias": false, "init": "normal-sqrt-n", "reduction": "sum",
                           "learning_rate": 0.001, "batch_size": 1, "epochs": 30, "shuffle": false})"));

  // NumPy tutorial "Deep learning on MNIST" (numpy-mnist-tutorial). It prints Σ(y − o)² and
  // updates w += lr·outer(a, y − o): the total-squared-error loss; its init is
  // 0.2·U[0,1) − 0.1; its dropout a 0/1 mask with kept units ×2.
  out.push_back(preset("numpy-tutorial", "NumPy tutorial \"Deep learning on MNIST\" (numpy.org tutorials)",
                       "784-100-10 ReLU, dropout 0.5, total squared error as the tutorial prints it, U[-0.1,0.1] init, "
                       "lr 0.005, "
                       "1000 train / 1000 test samples, one sample per step, 20 epochs",
                       R"({"layers": [784, 100, 10], "hidden": "relu", "output": "identity",
                           "loss": "total-squared-error", "bias": false, "init": "uniform", "init_scale": 0.1,
                           "reduction": "sum", "learning_rate": 0.005, "batch_size": 1, "epochs": 20,
                           "limit": 1000, "test_limit": 1000, "dropout": 0.5, "shuffle": false})"));

  // Blog post "Simple neural network in NumPy" (blog-simple-nn-numpy). Zero biases, not
  // regularised; its Xavier variant (rand − 0.5)·√(6/(n_in+n_out)); θ −= lr·(g + λθ)/n;
  // lr ×= 0.9 whenever the epoch cost rises; np.random.permutation every epoch.
  out.push_back(preset("blog", "Blog post \"A simple neural network with NumPy\" (mini-batch version)",
                       "784-200-100-50-10 sigmoid + softmax, zero biases, the post's Xavier variant, L2 0.01, "
                       "lr 0.1 ×0.9 when the cost rises, batch 64, 50 epochs (96.7% test accuracy)",
                       R"({"layers": [784, 200, 100, 50, 10], "hidden": "sigmoid", "output": "softmax",
                           "loss": "cross-entropy", "bias": true, "init": "xavier-blog", "reduction": "mean",
                           "l2": 0.01, "learning_rate": 0.1, "anneal_on_rise": true, "anneal_factor": 0.9,
                           "batch_size": 64, "epochs": 50, "shuffle": true})"));

  // Assignment "Implementing an MLP using NumPy" (assignment-mlp-numpy), Questions 5–7: regular
  // weights "normally distributed" (it names no width: Glorot's normal form), "the bias weights to 0"; lr 0.01 is the
  // middle of its sweep 0.001, 0.003, 0.01, 0.03; SGD, one instance at a time; "limit it to 5 epochs"; final=False
  // holds out the last 5,000 digits.
  out.push_back(preset("assignment", "Assignment 1 \"Implementing an MLP using NumPy\" (VU Deep Learning)",
                       "784-300-10 sigmoid + softmax + cross-entropy, SGD lr 0.01 (sweep 0.001-0.03), "
                       "5 epochs, 5,000-sample validation split; repeat over seeds for mean ± std",
                       R"({"layers": [784, 300, 10], "hidden": "sigmoid", "output": "softmax",
                           "loss": "cross-entropy", "bias": true, "init": "xavier-normal", "reduction": "mean",
                           "learning_rate": 0.01, "batch_size": 1, "epochs": 5, "validation": 5000,
                           "shuffle": true})"));

  // Lab session "ANN for Handwritten Digits Recognition" (lab-ann-handwritten-digits): also 15
  // and 75 hidden units; L = Σ(o − y)², averaged over the batch; the lab tries lr 0.1, 1 and
  // 10, 1 is its best; full-batch gradient steps (batch 0), "300 iterations"; 50,000 train /
  // 10,000 validation. Its feedforward appends a 1 to every input, so each bias is one more
  // row of the weight matrix, initialised with it. Its headline runs use the first 1,000
  // training and 200 validation digits: limit 1000, validation_limit 200.
  out.push_back(preset("lab", "Lab session \"Artificial Neural Networks for Handwritten Digits Recognition\"",
                       "784-30-10 sigmoid everywhere, MSE averaged over the batch, biases, lr 1 (try 0.1 and 10), "
                       "full-batch steps, 300 iterations, last 10,000 training digits for validation; "
                       "its subset runs: limit 1000, validation_limit 200",
                       R"({"layers": [784, 30, 10], "hidden": "sigmoid", "output": "sigmoid", "loss": "mse",
                           "bias": true, "bias_init": "like-weights", "init": "xavier", "reduction": "mean",
                           "learning_rate": 1.0,
                           "batch_size": 0, "epochs": 300, "validation": 10000, "shuffle": false})"));

  // Not a lab: the most accurate configuration found for a few minutes of training. Momentum
  // is as accurate as Adam here, and 2× faster per step.
  out.push_back(preset("best", "digitrain's own choice (not a course lab)",
                       "784-256-128-10 ReLU + softmax, He init, momentum 0.9 lr 0.05 ×0.3 every 8 epochs, "
                       "dropout 0.2, batch 64, 20 epochs",
                       R"({"layers": [784, 256, 128, 10], "hidden": "relu", "output": "softmax",
                           "loss": "cross-entropy", "bias": true, "init": "he", "reduction": "mean",
                           "optimizer": "momentum", "momentum": 0.9, "learning_rate": 0.05, "batch_size": 64,
                           "epochs": 20, "dropout": 0.2, "step_decay_every": 8, "step_decay_factor": 0.3,
                           "shuffle": true})"));
  // Not a lab: digitrain's choice for full MNIST, every training digit redrawn each epoch
  // under a random affine map and an elastic distortion (README, Augmentation: how it was chosen
  // on a validation split, and its test error).
  out.push_back(preset("best-augmented", "digitrain's own choice for full MNIST (not a course lab)",
                       "784-800-10 ReLU + softmax, He init, momentum 0.9 lr 0.05 x0.5 every 6 epochs, batch 64, "
                       "30 epochs, augmented: shift 2 px, rotation 12 deg, scale 0.12, shear 0.15, elastic alpha 34 "
                       "sigma 5",
                       R"({"layers": [784, 800, 10], "hidden": "relu", "output": "softmax",
                           "loss": "cross-entropy", "bias": true, "init": "he", "reduction": "mean",
                           "optimizer": "momentum", "momentum": 0.9, "learning_rate": 0.05, "batch_size": 64,
                           "epochs": 30, "step_decay_every": 6, "step_decay_factor": 0.5, "shuffle": true,
                           "augment": true, "augment_shift": 2, "augment_rotation": 12, "augment_scale": 0.12,
                           "augment_shear": 0.15, "elastic_alpha": 34, "elastic_sigma": 5})"));
  // The TensorFlow.js MNIST example (tensorflow/tfjs-examples, mnist/index.js): its network,
  // initialiser, optimiser and batch; Keras's categorical cross-entropy is a batch mean. (The
  // codelab's variant trains the same network with Adam, batch 512.)
  out.push_back(preset("tfjs-example", "TensorFlow.js MNIST example (tfjs-examples, mnist/index.js)",
                       "28×28 → conv 5×5×8 ReLU → max-pool 2 → conv 5×5×16 ReLU → max-pool 2 → 256 → 10 softmax, "
                       "variance-scaling init, SGD lr 0.1, batch 64, 3 epochs",
                       R"({"layers": [784, "conv5x8", "pool2", "conv5x16", "pool2", 10], "hidden": "relu",
                           "output": "softmax", "loss": "cross-entropy", "bias": true, "init": "variance-scaling",
                           "reduction": "mean", "optimizer": "sgd", "learning_rate": 0.1, "batch_size": 64,
                           "epochs": 3, "shuffle": true})"));
  // The ConvNetJS MNIST demo (karpathy/convnetjs, demo/mnist.html and the library it loads):
  // input 24×24×1 → conv 5×5, 8 filters, stride 1, pad 2, ReLU → pool 2×2 stride 2 → conv
  // 5×5, 16 filters, pad 2, ReLU → pool 3×3 stride 3 → softmax 10 (ConvNetJS inserts the
  // fully connected layer); SGDTrainer {method: 'adadelta', batch_size: 20, l2_decay: 0.001}
  // with its defaults ρ 0.95, ε 1e-6, the summed gradient plus l2_decay·w (filters and weights,
  // not biases) divided by the batch size; every Vol drawn N(0, 1/fan-in), the biases of ReLU
  // layers 0.1 (bias_pref), others 0; a random 24×24 window of each 28×28 digit (offsets 0–3),
  // and a test digit read as the mean of 4 such windows. The demo samples digits at random
  // for as long as the page is open; here each epoch visits every digit once.
  out.push_back(
      preset("convnetjs", "ConvNetJS MNIST demo (karpathy/convnetjs, demo/mnist.html)",
             "24×24 random crops → conv 5×5×8 same ReLU → max-pool 2 → conv 5×5×16 same ReLU → "
             "max-pool 3 → 256 → 10 softmax, N(0, 1/fan-in) init, ReLU biases 0.1, Adadelta ρ 0.95 "
             "ε 1e-6, L2 0.001, batch 20, 5 epochs; predictions average 4 random crops (measured on full MNIST: "
             "0.78-1.13% test error after 5 epochs, seeds 1-3)",
             R"({"layers": [576, "conv5x8same", "pool2", "conv5x16same", "pool3", 10], "hidden": "relu",
                           "output": "softmax", "loss": "cross-entropy", "bias": true, "bias_init": "relu-0.1",
                           "init": "lecun-normal", "reduction": "mean", "optimizer": "adadelta",
                           "learning_rate": 1, "rho": 0.95, "adadelta_epsilon": 1e-6, "l2": 0.001,
                           "batch_size": 20, "epochs": 5, "crop": 24, "shuffle": true})"));
  // Not a lab: digitrain's convnet for full MNIST, best-augmented's distortions on a LeNet-like
  // network small enough to train in the page (README, Augmentation: how it was chosen).
  out.push_back(preset("best-cnn", "digitrain's own convnet for full MNIST (not a course lab)",
                       "28×28 → conv 5×5×16 same ReLU → max-pool 2 → conv 5×5×32 ReLU → max-pool 2 → 800 → 128 "
                       "ReLU → 10 softmax, He init, momentum 0.9 lr 0.05 x0.5 every 5 epochs, batch 64, 20 epochs, "
                       "augmented as best-augmented (measured on full MNIST: 0.50, 0.51, 0.66% test error, seeds 1-3)",
                       R"({"layers": [784, "conv5x16same", "pool2", "conv5x32", "pool2", 128, 10], "hidden": "relu",
                           "output": "softmax", "loss": "cross-entropy", "bias": true, "init": "he",
                           "reduction": "mean", "optimizer": "momentum", "momentum": 0.9, "learning_rate": 0.05,
                           "batch_size": 64, "epochs": 20, "step_decay_every": 5, "step_decay_factor": 0.5,
                           "shuffle": true, "augment": true, "augment_shift": 2, "augment_rotation": 12,
                           "augment_scale": 0.12, "augment_shear": 0.15, "elastic_alpha": 34, "elastic_sigma": 5})"));
  return out;
}

}  // namespace

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = makePresets();
  return all;
}

Expected<TrainConfig> presetConfig(const std::string& name) {
  std::string names;
  for (const Preset& p : presets()) {
    if (p.name == name) return p.config;
    names += (names.empty() ? "" : ", ") + p.name;
  }
  return fail("--preset \"" + name + "\" is not one of " + names);
}

}  // namespace digitrain
