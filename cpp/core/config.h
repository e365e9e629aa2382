// TrainConfig: everything that decides a training run, and the metrics a run reports.
// Presets (presets.h) are TrainConfigs; CLI flags, URL parameters and model files all
// read and write these same fields under the same names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "expected.h"
#include "names.h"
#include "network.h"

namespace digitrain {

struct TrainConfig {
  std::string preset;                         // the preset it started from, "" for none
  std::vector<int> layers{784, 128, 64, 10};  // the inputs, then each dense layer's units
  std::vector<FrontSpec> front{};             // conv/pool layers between the inputs and the dense ones
  Activation hidden = Activation::Sigmoid;
  Activation output = Activation::Softmax;
  Loss loss = Loss::CrossEntropy;
  bool bias = false;
  BiasInit biasInit = BiasInit::Zero;
  Init init = Init::NormalSqrtN;
  double initScale = 0.1;  // half-width of `uniform`
  Reduction reduction = Reduction::Sum;
  Optimizer optimizer = Optimizer::Sgd;
  double learningRate = 0.001;
  double momentum = 0.9;                              // `momentum` optimiser
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;  // `adam`
  double rho = 0.95, adadeltaEpsilon = 1e-6;          // `adadelta` (ConvNetJS's and PyTorch's defaults)
  int batchSize = 1;                                  // 0 = the whole training set in one batch
  int epochs = 30;
  int validation = 0;         // hold out the last K training samples (fitted: validationSplit)
  int validationLimit = 0;    // evaluate the first K held-out samples only (0 = all)
  int limit = 0;              // train on the first N samples that are not held out (0 = all)
  int testLimit = 0;          // evaluate on the first N test samples only (0 = all)
  double l2 = 0;              // θ -= lr·reduce(g + λθ); biases excluded
  double dropout = 0;         // inverted dropout on hidden layers
  bool annealOnRise = false;  // lr ×= annealFactor when the epoch cost rises
  double annealFactor = 0.9;
  int stepDecayEvery = 0;  // lr ×= stepDecayFactor every N epochs (0 = off)
  double stepDecayFactor = 0.5;
  bool shuffle = true;  // reshuffle the training order every epoch
  // On-the-fly augmentation of the training images (augment.h); off unless `augment`.
  bool augment = false;
  double augmentShift = 2;      // pixels, each direction uniform in [−shift, shift]
  double augmentRotation = 10;  // degrees, uniform in [−rotation, rotation]
  double augmentScale = 0.1;    // the ink scaled by a factor uniform in [1 − scale, 1 + scale]
  double augmentShear = 0.1;    // x += shear·y, shear uniform in [−shear, shear]
  double elasticAlpha = 0;      // elastic distortion's scale α in pixels (0 = none)
  double elasticSigma = 4;      // the Gaussian width σ smoothing its random field, pixels
  int crop = 0;                 // train on random crop×crop windows, predict from several (crop.h); 0 = off
  uint64_t seed = 1;
  int threads = 0;  // 0: auto, chosen when training starts (trainer.h)

  NetworkSpec networkSpec() const;
};

// Checks every field's range and the rules across fields (settings.h, checkSettings); the
// message names the setting by key and label: 'setting "momentum" (Momentum) must be ...'.
Status validate(const TrainConfig& config);

struct EpochMetrics {
  int epoch = 0;  // 1-based
  // Mean per-sample loss over the epoch's batches, each taken before its step; with L2 λ > 0
  // plus λ·Σw²/N (all weights at the epoch's end, N the training samples), the blog's cost.
  double trainLoss = 0;
  double trainError = 0;  // fraction misclassified during the epoch
  std::optional<double> validationLoss, validationError;
  std::optional<double> testLoss, testError;
  double learningRate = 0;  // the rate used during this epoch
  double seconds = 0;
  double samplesPerSecond = 0;
};

}  // namespace digitrain
