// The model file: a trained network, the settings that trained it and its history, as JSON
// a student can open and read. Text in, text out; reading and writing files is the caller's.
//
// {"format": "digitrain-model", "version": 1, "loss": "cross-entropy",
//  "input": {"rows": 28, "cols": 28, "scale": "pixel/255"},
//  "layers": [{"inputs": m, "outputs": n, "activation": "sigmoid",
//              "weights": [[n numbers], ... m rows], "bias": [n numbers] or null}, ...],
//  "config": {...the settings, as config_json.h writes them...},   (absent when unknown)
//  "history": [{"epoch": 1, "train_loss": ..., ...}, ...]}
//
// weights[i][j] is the weight from input unit i to output unit j (the TP's (m, n) matrix,
// so `a @ W` is the layer's z). Each weight is the shortest decimal that rounds to the
// stored float32 ("0.1", not 0.10000000149011612): read it as a float32 (np.float32,
// Math.fround) and every weight and bias comes back bit-identical.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "expected.h"
#include "network.h"

namespace digitrain {

// Version 2 adds conv and pool layers (written before the dense ones, see model_io.cpp); a
// network without them is written as version 1, which every digitrain reads.
constexpr int kModelVersion = 2;

// Sizes past these are refused before anything is allocated: far beyond any MNIST network
// (784·128 ≈ 10^5 weights), small enough that a corrupt or hostile file cannot exhaust the
// browser's memory.
constexpr long long kMaxLayerWeights = 1LL << 24;
constexpr long long kMaxModelWeights = 1LL << 26;

struct Model {
  Network network;
  std::optional<TrainConfig> config;  // the settings that trained it, when known
  std::vector<EpochMetrics> history;
  int inputRows = 28, inputCols = 28;  // the image the first layer reads, row by row
};

// One weight row per line; never fails. Non-finite weights (a diverged run) are written as
// null, which modelFromJson refuses, naming the weight.
std::string modelToJson(const Model& model);

// Checks everything and names the file and the field in each message, e.g.
// "model.json: layers[1].weights[3] has 127 numbers, expected 128".
Expected<Model> modelFromJson(std::string_view text, const std::string& fileName);

// The same file's network in double precision, for the inspector: the numbers are read again
// from the text as doubles, so a hand-written 0.3 stays 0.3 instead of passing through float.
// Checks the file with modelFromJson first.
Expected<NetworkT<double>> networkInDoublePrecision(std::string_view text, const std::string& fileName);

}  // namespace digitrain
