// Training, step by step: a Trainer owns a network, its optimiser state and the position in
// the current epoch, and trains a given number of batches per call, so a caller (the CLI,
// the browser worker) can report progress, pause, resume or stop at any batch boundary
// without losing anything.
//
// Determinism: every random draw (initial weights, the epoch's order, dropout masks,
// augmentation) comes from the seed alone, never from the thread count; dropout masks are
// drawn per sample from (seed, epoch, position), distortions from (seed, epoch, sample index).
// Same seed and same thread count ⇒ bitwise identical weights. A different thread count
// changes only the order in which per-thread gradient sums are added (float addition is not
// associative), so results agree to rounding, not bitwise.
//
// Threads `auto` (config.threads 0): the count is first chosen when the trainer is created,
// from the batch's work and a short measurement (parallel.h, chooseThreads): a few batches of
// this run's own network and data timed at each candidate count, on a copy of the starting
// state that is then thrown away. While it trains, the run keeps timing its batches and, every
// couple of seconds, trains a few of them at another candidate count (ThreadAdapter), moving
// there when that was faster: the load of a machine changes, and a busy core stalls every
// batch split over it. The run is therefore bitwise the run that trains the same sequence of
// counts (holdThreads replays one); threads() and threadsReason() report the current count and
// StepResult::threadChanges each change. Which counts are used depends on the machine's speed
// and load: a run that must reproduce bit for bit elsewhere sets the count.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "augment.h"
#include "config.h"
#include "conv_math.h"
#include "dataset.h"
#include "layer_math.h"
#include "network.h"
#include "optimizer.h"
#include "parallel.h"

namespace digitrain {

struct StepResult {
  int batches = 0;                   // batches trained by this call
  std::vector<float> batchLosses;    // mean per-sample loss of each of those batches
  std::vector<EpochMetrics> epochs;  // epochs completed during this call
  bool finished = false;             // all configured epochs are done
  std::string diverged;              // non-empty: training stopped; what happened, what to try
  std::string warning;               // non-empty: training goes on, but something looks wrong
  // `auto` moved to another thread count during this call (Trainer::threads() is the last).
  struct ThreadChange {
    int epoch = 0, batch = 0;  // the first batch at the new count, both counted from 1
    int threads = 1;
    std::string reason;  // "1 thread: measured 1.43× the speed of 2 threads at batch 64 while training …"
    // The move as the CLI prints it and the page lists it: "threads from epoch 2, batch 131: <reason>".
    std::string text() const;
  };
  std::vector<ThreadChange> threadChanges;
};

struct Evaluation {
  size_t count = 0;
  double loss = 0;                                              // mean per-sample loss
  double error = 0;                                             // fraction misclassified
  std::array<std::array<int, kClasses>, kClasses> confusion{};  // [true label][predicted]
  std::vector<uint8_t> predicted;                               // per sample, when asked for
  std::vector<float> probabilities;                             // per sample × outputs, when asked for
};

enum class Split { Train, Validation, Test };

class Trainer {
 public:
  // `train` is split as: the last `validation` samples held out (fitted by validationSplit),
  // of which the first `validationLimit` (all when 0) are evaluated; training uses the first
  // `limit` (all when 0) of the samples before them. `test` may be null. Training starts from `start` when given
  // (a loaded model, or the last good model after a crash) and continues the epoch count
  // from `history`.
  // `maxThreads`: the most threads `auto` may use (0: defaultMaxThreads()).
  static Expected<std::unique_ptr<Trainer>> create(const TrainConfig& config, std::shared_ptr<const Dataset> train,
                                                   std::shared_ptr<const Dataset> test,
                                                   std::optional<Network> start = std::nullopt,
                                                   std::vector<EpochMetrics> history = {}, int maxThreads = 0);
  ~Trainer();

  StepResult train(int maxBatches);

  const Network& network() const { return net_; }
  const TrainConfig& config() const { return config_; }
  const std::vector<EpochMetrics>& history() const { return history_; }
  double learningRate() const { return learningRate_; }
  int epoch() const { return static_cast<int>(history_.size()); }  // epochs completed
  int batchInEpoch() const { return batchInEpoch_; }
  int batchesPerEpoch() const { return batchesPerEpoch_; }
  bool finished() const { return epoch() >= config_.epochs || !diverged_.empty(); }
  // The threads sharing each batch of this run (a batch too small to share takes fewer), and
  // why: "2 threads: measured 1.71× one thread's speed at batch 64".
  int threads() const { return adapter_ ? adapter_->current() : threads_; }
  // The count the next batch trains at: threads(), or another while `auto` probes it.
  int nextBatchThreads() const { return adapter_ ? adapter_->next() : threads_; }
  // Trains the following batches at `threads` (at most the pool's), no longer adapting: how a
  // test replays an `auto` run's sequence of counts.
  void holdThreads(int threads);
  // How `auto` re-measures while training (tests shorten the interval).
  void adaptThreads(const AdaptPolicy& policy);
  const std::string& threadsReason() const { return threadsReason_; }
  size_t count(Split split) const;
  // Non-empty when the configured validation split did not fit the data and was changed.
  const std::string& splitNote() const { return splitNote_; }

  Evaluation evaluate(Split split, bool keepPredictions = false) const;

 private:
  Trainer(const TrainConfig& config, std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> test,
          Network net, std::vector<EpochMetrics> history, int poolThreads);
  // Sets threads_ for `auto`: times a few batches at each candidate count, then restores the
  // starting state (network, optimiser, epoch position).
  void chooseThreadCount();
  ThreadWork threadWork() const;  // the batch's arithmetic and parameters, as `auto` sees them
  double measureSamplesPerSecond(int threads);
  void startEpoch();
  double trainBatch(size_t first, int size, int* wrong);  // returns the summed loss
  void applyUpdate(int size);
  void trainBatches(int maxBatches, StepResult& result);
  Scalar reductionScale(int size) const;  // 1, or 1/size under the `mean` reduction
  Scalar stepScale(int size) const;       // lr × reductionScale
  // The current batch's summed loss from the threads' tallies, NaN when any was not finite:
  // what decides whether its step is taken.
  double batchLoss(int threads) const;
  void parallelSgdShare(int t, int size, Scalar eta, Scalar etaLambda);
  void parallelRuleShare(int t, int size);
  void ruleColumns(Layer& layer, size_t l, int c0, int n, int size, const StepSize<Scalar>& step);
  template <class Fn>
  void forEachColumnShare(const Fn& fn);
  // Thread t's part of `size` items (samples, output columns or input rows): first, count.
  static std::pair<int, int> shareOf(int size, int threads, int t);
  static std::pair<int, int> columnShareOf(int columns, int threads, int t);
  EpochMetrics finishEpoch();
  void fillDropoutMasks(Workspace<Scalar>& ws, size_t position, int count);

  TrainConfig config_;
  std::shared_ptr<const Dataset> train_, test_;
  size_t trainCount_ = 0, validationBegin_ = 0, validationCount_ = 0, testCount_ = 0;
  std::string splitNote_;
  Network net_;
  std::vector<EpochMetrics> history_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<Workspace<Scalar>> workspaces_;  // one per thread
  std::vector<GradientsT<Scalar>> gradients_;  // one per thread; [0] holds the reduced sum
  std::unique_ptr<UpdateRule<Scalar>> rule_;   // the optimiser and its state
  std::vector<uint32_t> order_;
  Rng rng_;
  double learningRate_ = 0;
  int batchSize_ = 1, batchesPerEpoch_ = 0, batchInEpoch_ = 0;
  double epochLoss_ = 0, epochSeconds_ = 0;
  size_t epochWrong_ = 0, epochSamples_ = 0;
  std::string diverged_;
  bool warned_ = false;           // the saturation warning is given once per run
  double saturatedShare() const;  // of sigmoid units in the last batch, see finishEpoch
  Network snapshot_;              // the network at the end of the last epoch (or the start)
  bool fusedSgd_ = false;         // decided per batch
  bool parallelSgd_ = false;      // the step is taken inside trainBatch's threads
  bool parallelRule_ = false;     // ... and so is a stateful rule's (momentum, Adam): parallelRuleShare
  int activeThreads_ = 1;         // threads the current batch is split over
  // parallelRuleShare's columns of each layer for each thread (updateColumnShares), for
  // ruleSharesThreads_ threads; made again only when the thread count changes.
  std::vector<std::vector<std::pair<int, int>>> ruleShares_;
  int ruleSharesThreads_ = 0;
  // The fewest samples a thread's share holds (minSamplesPerThread of this run's network).
  int minShare_ = kMinSamplesPerThread;
  int threads_ = 1;  // threads a batch may be split over (≤ the pool's size)
  std::string threadsReason_;
  std::unique_ptr<ThreadAdapter> adapter_;  // `auto` with counts to choose from; else null
  // One thread's results of the current batch, on a cache line of its own: the threads
  // update theirs per sample, and sharing a line would make them wait on each other.
  struct alignas(64) ThreadTally {
    double loss = 0;
    int wrong = 0;
    bool used = false;
    bool finite = true;
  };
  std::vector<ThreadTally> tally_;  // a member, so the training loop never allocates
  // Augmentation: null when off; else each thread's chunk of distorted bytes and its scratch.
  std::unique_ptr<Augmenter> augmenter_;
  std::vector<std::vector<uint8_t>> augmented_;
  std::vector<Augmenter::Scratch> augmentScratch_;
  // Random crops (crop.h): empty when off; else each thread's chunk of crop×crop windows.
  std::vector<std::vector<uint8_t>> cropped_;
  void gatherTraining(int t, size_t position, int count);
  // The conv/pool front, when the network has one (conv_math.h): per-thread workspaces and
  // gradients, and its own update rule (state shaped like the front's parameters).
  std::vector<FrontWorkspace<Scalar>> frontWorkspaces_;
  std::vector<FrontGradientsT<Scalar>> frontGradients_;
  std::unique_ptr<UpdateRule<Scalar>> frontRule_;
  void applyFrontUpdate(const StepSize<Scalar>& step);
};

// How many of `loaded` training samples a run holds out when `requested` are asked for, with
// one line saying so when that changed. The presets state what their lab did on full MNIST
// (the `lab` preset: the last 10,000 of 60,000); on smaller data that can be all of it, or
// most of it. A request above half the loaded samples holds out a fifth of them instead. The
// CLI and the page both get this through Trainer::create.
struct ValidationSplit {
  size_t count = 0;
  std::string note;  // empty when the request stands
};
ValidationSplit validationSplit(size_t requested, size_t loaded, const std::string& preset);

// Loads samples indices[0..count) of `set` as the inputs of ws (scaled to [0, 1]): the
// sparse index for mostly-zero images, the dense columns a[0] otherwise.
void gatherInputs(const Dataset& set, const uint32_t* indices, int count, Workspace<Scalar>& ws);

// Evaluates `net` on samples [begin, end) of `set`, in chunks, optionally on a pool. With
// crop > 0 each sample's output is the mean of the network's outputs on its kCropViews
// windows (crop.h), and its loss is that mean's.
Evaluation evaluate(const Network& net, const Dataset& set, size_t begin, size_t end, bool keepPredictions,
                    ThreadPool* pool = nullptr, int crop = 0);

}  // namespace digitrain
