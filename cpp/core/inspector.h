// The hand-computation inspector: one training step on one sample, in double precision,
// with every intermediate value, so a student can check a pen-and-paper forward and
// backward pass (the lab's 2-2-1 network, the assignment's 2-3-2) number by number.
// It runs the same templated equations as training (layer_math.h) with T = double.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "expected.h"
#include "network.h"

namespace digitrain {

struct InspectedLayer {
  VectorT<double> z, a, e;         // pre-activation, activation, e = ∂L/∂z
  MatrixT<double> weightGradient;  // ∂L/∂W = a_prev·eᵀ (inputs × outputs)
  VectorT<double> biasGradient;    // ∂L/∂b = e (empty without bias)
  MatrixT<double> weightsAfter;    // W − lr·∂L/∂W
  VectorT<double> biasAfter;
};

// A conv or pool layer of the step: its output map and errors (H×W×C, HWC as conv.h stores
// maps), and for a conv layer the kernel's gradient and updated values, (out, in, ky, kx).
struct InspectedFront {
  std::string layer;               // "conv2x1s2", "pool2"
  VectorT<double> a, e;            // output; e = ∂L/∂z for conv, ∂L/∂output for pool
  MatrixT<double> weightGradient;  // conv: (k·k·C_in) × C_out, as conv.h stores it
  VectorT<double> biasGradient;
  MatrixT<double> weightsAfter;
  VectorT<double> biasAfter;
  FrontSpec spec;
  int inChannels = 0;
};

struct Inspection {
  std::vector<double> input, target;
  double learningRate = 0;
  double lossBefore = 0, lossAfter = 0;
  std::vector<double> outputBefore, outputAfter;
  std::vector<InspectedFront> front;  // the conv/pool layers, when the network has them
  std::vector<InspectedLayer> layers;
};

// One SGD step at `learningRate` on (input, target); the network is not modified.
Expected<Inspection> inspectStep(const NetworkT<double>& net, const std::vector<double>& input,
                                 const std::vector<double>& target, double learningRate);

nlohmann::json inspectionToJson(const Inspection& inspection);

}  // namespace digitrain
