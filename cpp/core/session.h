// A session: what a front end does with the engine, as one object. The page reaches it
// through cpp/bindings/embind.cpp (which only turns JavaScript bytes into vectors and these
// results into JSON); the CLI uses the same free functions for the same jobs (describing a
// file, evaluating a model file, reading an array of numbers).
//
// A session holds a training set and a test set (the two slots), and either a training run
// (a Trainer) or a model imported without one. Every call that can fail returns an Expected
// and, when it fails, leaves the session as it was.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "dataset.h"
#include "expected.h"
#include "idx.h"
#include "inspector.h"
#include "model_io.h"
#include "network.h"
#include "parallel.h"
#include "trainer.h"

namespace digitrain {

class ThreadBudget;

// Worker threads taken from a ThreadBudget, given back when the lease ends (destroyed,
// released or overwritten). The caller's own thread is not counted: threads() is 1 + workers.
class ThreadLease {
 public:
  ThreadLease() = default;
  ThreadLease(ThreadLease&& other) noexcept;
  ThreadLease& operator=(ThreadLease&& other) noexcept;
  ThreadLease(const ThreadLease&) = delete;
  ThreadLease& operator=(const ThreadLease&) = delete;
  ~ThreadLease() { release(); }

  int threads() const { return 1 + workers_; }
  void release();

 private:
  friend class ThreadBudget;
  ThreadLease(ThreadBudget* budget, int workers) : budget_(budget), workers_(workers) {}
  ThreadBudget* budget_ = nullptr;
  int workers_ = 0;
};

struct ThreadGrant {
  ThreadLease lease;
  std::string warning;  // non-empty when fewer threads than requested were granted
};

// The worker threads of one thread pool, shared by every session that trains on it. In
// WebAssembly that pool is the pre-warmed pthread pool: starting more threads than it holds
// makes the first join hang forever with no message, so every trainer's workers are counted
// here before they start. Sessions are used from one thread (the page's worker), so the
// counts need no lock. A budget must outlive its leases.
class ThreadBudget {
 public:
  explicit ThreadBudget(int poolWorkers);
  ThreadBudget(const ThreadBudget&) = delete;
  ThreadBudget& operator=(const ThreadBudget&) = delete;

  int maxThreads() const { return 1 + poolWorkers_; }
  int workersInUse() const { return inUse_; }

  // `requested` threads, clamped to the caller's own plus the workers no lease holds.
  ThreadGrant lease(int requested);

 private:
  friend class ThreadLease;
  int poolWorkers_ = 0;
  int inUse_ = 0;
};

enum class Slot { Train, Test };
// "train" or "test"; anything else is refused, naming what is allowed.
Expected<Slot> parseSlot(std::string_view text);
// "train", "validation" or "test".
Expected<Split> parseSplit(std::string_view text);

struct FileDescription {
  IdxType type = IdxType::U8;
  std::vector<uint32_t> dims;
  IdxSummary summary;  // the role, and the histogram of a labels file
};

struct DatasetInfo {
  size_t count = 0;
  int rows = 0, cols = 0;
  std::array<int, kClasses> histogram{};  // how many of each digit
};

// A training run as configure() set it up.
struct RunInfo {
  TrainConfig config;  // the settings in force (threads as set; 0 = auto)
  size_t trainCount = 0, validationCount = 0, testCount = 0;
  int batchesPerEpoch = 0;
  int epoch = 0;  // epochs already done (non-zero when continuing a model's history)
  bool finished = false;
  int threadsRequested = 1, threadsMax = 1;
  int threadsUsed = 1;        // threads sharing each batch (what `auto` chose)
  std::string threadsReason;  // why: "1 thread: batch 1 is too small to share (...)"
  std::vector<std::string> warnings;
};

struct TrainReport {
  StepResult step;
  int epoch = 0, batchInEpoch = 0, batchesPerEpoch = 0;
  double learningRate = 0;  // the rate the next batch uses
};

struct SplitEvaluation {
  Evaluation evaluation;
  int outputs = 0;  // values per sample in evaluation.probabilities
};

struct Prediction {
  std::vector<std::vector<float>> activations;  // [l] = layer l's output; the last is the network's
  std::vector<std::vector<float>> featureMaps;  // [l] = conv/pool layer l's output (H×W×C, HWC)
  int predicted = 0;                            // the index of the largest output
  const std::vector<float>& outputs() const { return activations.back(); }
};

// One conv or pool layer's output for one input, after its activation: what the page draws as
// feature maps. `values` holds shape.h × shape.w × shape.c numbers, HWC (see conv.h).
struct FeatureMap {
  FrontSpec spec;
  Shape3 shape;
  std::vector<float> values;
};

// The view of samples [start, start + count) of a slot; count is 0 when there are none.
struct SampleView {
  const uint8_t* images = nullptr;  // count × imageBytes
  const uint8_t* labels = nullptr;  // count
  size_t count = 0;
  size_t imageBytes = 0;
};

// Training digits as augmentation redraws them (Session::augmentPreview): per sample, the
// stored image, then `variants` distortions of it, each rows·cols bytes.
struct AugmentPreview {
  std::vector<uint8_t> images;  // count × (1 + variants) images
  size_t count = 0;
  int variants = 0, rows = 0, cols = 0;
};
constexpr int kMaxPreviewImages = 64;  // count × (1 + variants), at most

// Bytes the session reads one file at a time, so that a file's bytes are freed as soon as it
// is parsed (full MNIST's images are 47 MB per copy, in a fixed browser heap).
struct NamedSource {
  std::string name;
  std::function<Expected<std::vector<uint8_t>>()> read;
};

class Session {
 public:
  // `idxLimits`: the largest IDX file the front end takes. `threads` must outlive the session.
  Session(ThreadBudget& threads, IdxLimits idxLimits = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // What one IDX file (already unpacked; gzip bytes are refused) holds.
  Expected<FileDescription> describe(const std::string& fileName, const std::vector<uint8_t>& bytes) const;

  // Pairs images with labels into a slot; on failure the slot keeps what it had.
  Expected<DatasetInfo> setDataset(Slot slot, const NamedSource& images, const NamedSource& labels);
  SampleView samples(Slot slot, long start, long count) const;
  // Empties a slot: its data is gone, and nothing is measured on it any more. A run in
  // progress measured on that data, so it ends; its network stays the current model, with
  // its settings and history (as an exported and re-imported model would). Says whether a
  // current model remains.
  bool clearSlot(Slot slot);

  // Starts a run from `settingsJson` (a JSON object of settings, "" for none) applied over a
  // base: the starting model's settings when `startModelJson` is a model file, else the
  // preset the settings name, else the defaults. Every check runs before the current run is
  // dropped, so a refused configuration leaves the session as it was. Threads are clamped to
  // what the budget has left, with a warning.
  Expected<RunInfo> configure(std::string_view settingsJson, std::string_view startModelJson);
  Expected<TrainReport> train(int maxBatches);
  // A split of the run; without a run, an imported model on the whole train or test slot.
  Expected<SplitEvaluation> evaluate(Split split, bool keepPredictions) const;
  // One input of the network's `inputs()` values in [0, 1], with every layer's output.
  Expected<Prediction> predict(const std::vector<float>& pixels) const;
  // The same input's conv and pool layers' outputs, first layer first; none for a dense network.
  Expected<std::vector<FeatureMap>> featureMaps(const std::vector<float>& pixels) const;

  // Training samples [start, start + count) as augmentation shows them to the network: each
  // under its distortions of epochs epoch, epoch + 1, … (`variants` of them, epoch 0-based),
  // with the augmentation settings of `settingsJson` (applied like configure's, over the preset
  // it names or the defaults). Needs no run; settings with augmentation off give the originals.
  Expected<AugmentPreview> augmentPreview(std::string_view settingsJson, long start, int count, int epoch,
                                          int variants) const;

  // The current network with its settings and history (a run's, or the imported model).
  Expected<Model> exportModel() const;
  // Makes the model in `text` the current network; the run, if any, is dropped.
  Expected<const Model*> importModel(std::string_view text, const std::string& fileName);
  Expected<std::vector<uint8_t>> exportNpz() const;

  const Network* network() const;

 private:
  struct Loaded {
    std::shared_ptr<const Dataset> data;
    std::string imagesName, labelsName;
  };
  Loaded& slot(Slot s) { return s == Slot::Train ? train_ : test_; }
  const Loaded& slot(Slot s) const { return s == Slot::Train ? train_ : test_; }
  void dropTrainer();
  // The current network's reading of `pixels` (predictImage; `call` starts a refusal's message).
  Expected<Prediction> networkReading(const std::vector<float>& pixels, const char* call) const;

  ThreadBudget& budget_;
  IdxLimits idxLimits_;
  Loaded train_, test_;
  ThreadLease lease_;  // the run's workers; declared before trainer_, so it is given back after
  std::unique_ptr<Trainer> trainer_;
  std::optional<Model> imported_;  // the current network when there is no trainer
  std::string importedName_;
};

// The sizes of a network's layers, inputs first: {784, 128, 64, 10}.
std::vector<int> layerSizes(const Network& net);

// The settings that describe a network loaded without its own (layers, activations, loss,
// bias); everything else is the default.
TrainConfig configForNetwork(const Network& net);

// Every layer's output for one input, from the same forward pass training uses.
Prediction forwardWithActivations(const Network& net, const float* input);

// The prediction for one side×side image, as evaluation reads a digit: with crop 0 the
// network's (forwardWithActivations); with crop > 0 (crop.h) the activations and feature maps
// of its first window, but the output, and so `predicted`, the mean over its kCropViews
// windows, those evaluation reads the digit with index `sample` from (a drawing: 0). Refused
// when the image does not fit the network.
Expected<Prediction> predictImage(const Network& net, int crop, const std::vector<float>& pixels, uint64_t sample = 0,
                                  const char* call = "predict");

// The crop a model's predictions use: its settings', 0 when it has none.
int modelCrop(const Model& model);

// A model reads these images when it has as many inputs as they have pixels; the message
// names the model and the images.
Status checkModelReads(const Network& net, const std::string& modelName, const Dataset& set,
                       const std::string& imagesName, int crop = 0);

// A model's error, loss and confusion on samples [0, count) of `set` (all when 0). Refused,
// naming the model, unless it has ten outputs (one per digit) and reads these images.
Expected<Evaluation> evaluateModel(const Network& net, const std::string& modelName, const Dataset& set,
                                   const std::string& imagesName, size_t count, bool keepPredictions,
                                   ThreadPool* pool = nullptr, int crop = 0);

// A JSON array of numbers (or a single number) from `text`; `where` starts each message
// ("--input: element 1 is not a number (got \"a\")").
Expected<std::vector<double>> numbersFromJson(std::string_view text, const std::string& where);

// One double-precision step of the model in `modelText` on (input, target), the numbers
// given as JSON arrays: what the inspector shows.
Expected<Inspection> inspectModel(std::string_view modelText, std::string_view inputJson, std::string_view targetJson,
                                  double learningRate);

}  // namespace digitrain
