#include "presets.h"

namespace digitrain {
namespace {

std::vector<Preset> makePresets() {
  std::vector<Preset> out;

  // TP "Neural Networks in Pure NumPy" (tp-ffnn-pure-numpy): Tasks 5–18.
  TrainConfig tp;
  tp.preset = "tp";
  tp.layers = {784, 128, 64, 10};
  tp.hidden = Activation::Sigmoid;
  tp.output = Activation::Softmax;
  tp.loss = Loss::CrossEntropy;  // e3 = a3 − y is the softmax + cross-entropy gradient
  tp.bias = false;
  tp.init = Init::NormalSqrtN;    // Task 5: N(0,1)/√n for an (m, n) matrix
  tp.reduction = Reduction::Sum;  // δw = aᵀ·e, summed over the batch
  tp.learningRate = 0.001;
  tp.batchSize = 1;  // Task 14: one input at a time; Tasks 16–18 vary it
  tp.epochs = 30;
  tp.shuffle = false;  // the inner loop "iterates over all inputs" in order
  out.push_back({"tp", "TP 4-6 \"Neural Networks in Pure NumPy\" (TP BDA 2024-2025), Tasks 5-18",
                 "784-128-64-10 sigmoid + softmax, no biases, N(0,1)/sqrt(n) init, summed gradient, "
                 "lr 0.001, one sample per step, 30 epochs (~2.7% test error on full MNIST)",
                 tp});

  // NumPy tutorial "Deep learning on MNIST" (numpy-mnist-tutorial).
  TrainConfig nt;
  nt.preset = "numpy-tutorial";
  nt.layers = {784, 100, 10};
  nt.hidden = Activation::Relu;
  nt.output = Activation::Identity;
  nt.loss = Loss::SquaredError;  // its update w += lr·outer(a, y − o)
  nt.bias = false;
  nt.init = Init::Uniform;  // 0.2·U[0,1) − 0.1
  nt.initScale = 0.1;
  nt.reduction = Reduction::Sum;
  nt.learningRate = 0.005;
  nt.batchSize = 1;
  nt.epochs = 20;
  nt.limit = 1000;
  nt.testLimit = 1000;
  nt.dropout = 0.5;  // a 0/1 mask with kept units ×2
  nt.shuffle = false;
  out.push_back({"numpy-tutorial", "NumPy tutorial \"Deep learning on MNIST\" (numpy.org tutorials)",
                 "784-100-10 ReLU, dropout 0.5, squared error, U[-0.1,0.1] init, lr 0.005, "
                 "1000 train / 1000 test samples, one sample per step, 20 epochs",
                 nt});

  // Blog post "Simple neural network in NumPy" (blog-simple-nn-numpy).
  TrainConfig blog;
  blog.preset = "blog";
  blog.layers = {784, 200, 100, 50, 10};
  blog.hidden = Activation::Sigmoid;
  blog.output = Activation::Softmax;
  blog.loss = Loss::CrossEntropy;
  blog.bias = true;                  // zero biases, not regularised
  blog.init = Init::XavierBlog;      // (rand − 0.5)·√(6/(n_in+n_out))
  blog.reduction = Reduction::Mean;  // θ −= lr·(g + λθ)/n
  blog.l2 = 0.01;
  blog.learningRate = 0.1;
  blog.annealOnRise = true;  // lr ×= 0.9 whenever the epoch cost rises
  blog.annealFactor = 0.9;
  blog.batchSize = 64;
  blog.epochs = 50;
  blog.shuffle = true;  // np.random.permutation every epoch
  out.push_back({"blog", "Blog post \"A simple neural network with NumPy\" (mini-batch version)",
                 "784-200-100-50-10 sigmoid + softmax, zero biases, the post's Xavier variant, L2 0.01, "
                 "lr 0.1 ×0.9 when the cost rises, batch 64, 50 epochs (96.7% test accuracy)",
                 blog});

  // Assignment "Implementing an MLP using NumPy" (assignment-mlp-numpy), Questions 5–7.
  TrainConfig as;
  as.preset = "assignment";
  as.layers = {784, 300, 10};
  as.hidden = Activation::Sigmoid;
  as.output = Activation::Softmax;
  as.loss = Loss::CrossEntropy;
  as.bias = true;  // "the bias weights to 0"
  as.init = Init::Xavier;
  as.reduction = Reduction::Mean;
  as.learningRate = 0.01;  // the middle of its sweep 0.001, 0.003, 0.01, 0.03
  as.batchSize = 1;        // SGD, one instance at a time
  as.epochs = 5;           // "limit it to 5 epochs"
  as.validation = 5000;    // final=False: the last 5,000 training digits
  as.shuffle = true;
  out.push_back({"assignment", "Assignment 1 \"Implementing an MLP using NumPy\" (VU Deep Learning)",
                 "784-300-10 sigmoid + softmax + cross-entropy, SGD lr 0.01 (sweep 0.001-0.03), "
                 "5 epochs, 5,000-sample validation split; repeat over seeds for mean ± std",
                 as});

  // Lab session "ANN for Handwritten Digits Recognition" (lab-ann-handwritten-digits).
  TrainConfig lab;
  lab.preset = "lab";
  lab.layers = {784, 30, 10};  // also 15 and 75 hidden units in the lab
  lab.hidden = Activation::Sigmoid;
  lab.output = Activation::Sigmoid;
  lab.loss = Loss::Mse;  // L = Σ(o − y)², averaged over the batch
  lab.bias = true;
  lab.init = Init::Xavier;
  lab.reduction = Reduction::Mean;
  lab.learningRate = 1.0;  // the lab tries 0.1, 1 and 10; 1 is its best
  lab.batchSize = 0;       // full-batch gradient steps
  lab.epochs = 300;        // "300 iterations"
  lab.validation = 10000;  // 50,000 train / 10,000 validation
  lab.shuffle = false;
  out.push_back({"lab", "Lab session \"Artificial Neural Networks for Handwritten Digits Recognition\"",
                 "784-30-10 sigmoid everywhere, MSE averaged over the batch, biases, lr 1 (try 0.1 and 10), "
                 "full-batch steps, 300 iterations, last 10,000 training digits for validation",
                 lab});

  // Not a lab: the most accurate configuration found for a few minutes of training.
  TrainConfig best;
  best.preset = "best";
  best.layers = {784, 256, 128, 10};
  best.hidden = Activation::Relu;
  best.output = Activation::Softmax;
  best.loss = Loss::CrossEntropy;
  best.bias = true;
  best.init = Init::He;
  best.reduction = Reduction::Mean;
  best.optimizer = Optimizer::Momentum;  // as accurate as Adam here, and 2× faster per step
  best.momentum = 0.9;
  best.learningRate = 0.05;
  best.batchSize = 64;
  best.epochs = 20;
  best.dropout = 0.2;
  best.stepDecayEvery = 8;
  best.stepDecayFactor = 0.3;
  best.shuffle = true;
  out.push_back({"best", "digitrain's own choice (not a course lab)",
                 "784-256-128-10 ReLU + softmax, He init, momentum 0.9 lr 0.05 ×0.3 every 8 epochs, "
                 "dropout 0.2, batch 64, 20 epochs",
                 best});
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
