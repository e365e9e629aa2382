#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "crop.h"
#include "settings.h"

namespace digitrain {
namespace {

// Samples processed per forward/backward call. Larger batches (up to the full-batch steps of
// the lab) are cut into chunks whose gradients add up, so memory stays bounded.
constexpr int kChunk = 256;
// `auto`: each candidate thread count is timed for at least this long (and two batches), twice,
// alternating with the others, and keeps its faster round; a probe batch has at most
// kProbeBatch samples, so a full-batch run's probe stays short.
constexpr double kProbeSeconds = 0.02;
constexpr int kProbeBatch = 1024;

uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Loads the images imageAt(0..count) as the inputs of ws (see gatherInputs).
template <class ImageAt>
void gatherImages(const ImageAt& imageAt, int count, int n, Workspace<Scalar>& ws) {
  constexpr Scalar kScale = Scalar(1) / Scalar(255);
  // Digits are mostly 0: their non-zero pixels are indexed straight from the bytes, and the
  // dense input columns, which the first layer then never reads, are filled only for dense
  // chunks.
  if (indexImages(ws.sparse, imageAt, count, n, kScale)) return;
  for (int j = 0; j < count; ++j) {
    const uint8_t* px = imageAt(j);
    Scalar* col = ws.a[0].col(j).data();
    for (int i = 0; i < n; ++i) col[i] = Scalar(px[i]) * kScale;
  }
}

void gatherTargets(const Dataset& set, const uint32_t* indices, int count, Workspace<Scalar>& ws) {
  ws.target.leftCols(count).setZero();
  for (int j = 0; j < count; ++j) ws.target(set.labels[indices[j]], j) = Scalar(1);
}

// Inputs and one-hot targets of samples indices[0..count).
void gather(const Dataset& set, const uint32_t* indices, int count, Workspace<Scalar>& ws) {
  gatherInputs(set, indices, count, ws);
  gatherTargets(set, indices, count, ws);
}

// The same through the conv front when there is one (fw non-null): the images into fw, and the
// front's flattened output into the dense layers' inputs.
void gather(const Network& net, const Dataset& set, const uint32_t* indices, int count, Workspace<Scalar>& ws,
            FrontWorkspace<Scalar>* fw) {
  if (!fw) return gather(set, indices, count, ws);
  gatherFrontInputs([&](int j) { return set.image(indices[j]); }, count, set.features(), *fw);
  gatherTargets(set, indices, count, ws);
  frontForward(net, *fw, ws, count);
}

// The shapes of the front's parameters as a network, for an update rule's state.
Network frontParameters(const Network& net) {
  Network shapes;
  for (const FrontLayer& f : net.front)
    shapes.layers.push_back({Activation::Identity, WeightsT<Scalar>::Zero(f.weights.rows(), f.weights.cols()),
                             Vector::Zero(f.bias.size())});
  return shapes;
}

int argmax(const Eigen::Ref<const Vector>& v) {
  Eigen::Index k;
  v.maxCoeff(&k);
  return static_cast<int>(k);
}

// 12345 → "12,345": the counts in a note read as the page writes them.
std::string withCommas(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
std::string threadsText(int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); }

std::string formatRate(double lr) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", lr);
  return buf;
}

}  // namespace

ValidationSplit validationSplit(size_t requested, size_t loaded, const std::string& preset) {
  // Above this share of the loaded samples a request is fitted down to kFittedShare.
  constexpr double kMaxShare = 0.5, kFittedShare = 0.2;
  if (requested == 0 || loaded == 0 || double(requested) <= double(loaded) * kMaxShare) return {requested, ""};
  ValidationSplit out;
  out.count = static_cast<size_t>(double(loaded) * kFittedShare);
  const std::string who = preset.empty() ? "The settings hold out" : "The " + preset + " preset holds out";
  const char* share = requested > loaded ? "more than" : requested == loaded ? "all of" : "most of";
  out.note = "Validation: " + who + " " + withCommas(requested) + " digits for validation, " + share + " the " +
             withCommas(loaded) + " training digits loaded; this run holds out " + withCommas(out.count) +
             " (a fifth) instead.";
  return out;
}

void gatherInputs(const Dataset& set, const uint32_t* indices, int count, Workspace<Scalar>& ws) {
  gatherImages([&](int j) { return set.image(indices[j]); }, count, set.features(), ws);
}

namespace {

// The outputs of samples indices[0..count) of `set` as a prediction with crops reads them:
// the mean of the outputs on each sample's kCropViews windows, left in ws.a.back() with the
// targets, as the uncropped forward pass leaves them.
void forwardCropViews(const Network& net, const Dataset& set, const uint32_t* indices, int count, int crop,
                      Workspace<Scalar>& ws, FrontWorkspace<Scalar>& fw, std::vector<uint8_t>& windows, Matrix& mean) {
  const int n = crop * crop;
  for (int view = 0; view < kCropViews; ++view) {
    for (int j = 0; j < count; ++j)
      cropImage(set.image(indices[j]), set.cols, predictionCropOffset(indices[j], view, set.rows, crop), crop,
                windows.data() + size_t(j) * n);
    auto image = [&](int j) { return windows.data() + size_t(j) * n; };
    if (net.front.empty()) gatherImages(image, count, n, ws);
    else {
      gatherFrontInputs(image, count, n, fw);
      frontForward(net, fw, ws, count);
    }
    forward(net, ws, count);
    if (view == 0) mean = ws.a.back().leftCols(count);
    else mean += ws.a.back().leftCols(count);
  }
  ws.a.back().leftCols(count) = mean / Scalar(kCropViews);
  gatherTargets(set, indices, count, ws);
}

}  // namespace

// Thread t's chunk of training samples order_[position, position + count): with augmentation,
// each image is distorted into the thread's buffer first (what the sparse index then reads).
void Trainer::gatherTraining(int t, size_t position, int count) {
  Workspace<Scalar>& ws = workspaces_[t];
  const uint32_t* indices = order_.data() + position;
  FrontWorkspace<Scalar>* fw = net_.front.empty() ? nullptr : &frontWorkspaces_[t];
  const int crop = config_.crop;
  if (!augmenter_ && crop == 0) {
    gather(net_, *train_, indices, count, ws, fw);
    return;
  }
  int n = train_->features();
  uint8_t* bytes = augmenter_ ? augmented_[t].data() : nullptr;
  const int epochIndex = epoch();
  if (augmenter_)
    for (int j = 0; j < count; ++j)
      augmenter_->apply(train_->image(indices[j]), bytes + size_t(j) * n, epochIndex, indices[j], augmentScratch_[t]);
  if (crop > 0) {
    // The window is cut from the distorted digit when there is one, as the demo crops last.
    uint8_t* windows = cropped_[t].data();
    for (int j = 0; j < count; ++j)
      cropImage(bytes ? bytes + size_t(j) * n : train_->image(indices[j]), train_->cols,
                trainingCropOffset(config_.seed, epochIndex, indices[j], train_->rows, crop), crop,
                windows + size_t(j) * crop * crop);
    bytes = windows;
    n = crop * crop;
  }
  auto image = [&](int j) { return bytes + size_t(j) * n; };
  if (fw) gatherFrontInputs(image, count, n, *fw);  // a convnet reads the distorted image as its map
  else gatherImages(image, count, n, ws);
  gatherTargets(*train_, indices, count, ws);
  if (fw) frontForward(net_, *fw, ws, count);
}

Expected<std::unique_ptr<Trainer>> Trainer::create(const TrainConfig& config, std::shared_ptr<const Dataset> train,
                                                   std::shared_ptr<const Dataset> test, std::optional<Network> start,
                                                   std::vector<EpochMetrics> history, int maxThreads) {
  if (Status s = validate(config); !s) return fail(s.error());
  if (!train || train->count() == 0) return fail("no training data: load the training images and labels first");
  const int inputs = config.layers.front();
  if (!config.front.empty() && train->rows != train->cols)
    return fail("--layers: conv and pool layers need square images, but the training images are " +
                std::to_string(train->rows) + "×" + std::to_string(train->cols));
  if (config.crop > 0) {
    if (Status s = checkCrop(config.crop, inputs, train->rows, train->cols); !s) return fail(s.error());
  } else if (train->features() != inputs)
    return fail("--layers: the network has " + std::to_string(inputs) + " inputs but the training images are " +
                std::to_string(train->rows) + "×" + std::to_string(train->cols) + " = " +
                std::to_string(train->features()) + " pixels");
  if (test && test->count() > 0 && (test->rows != train->rows || test->cols != train->cols))
    return fail("the test images are " + std::to_string(test->rows) + "×" + std::to_string(test->cols) +
                " but the training images are " + std::to_string(train->rows) + "×" + std::to_string(train->cols));
  Network net;
  if (start) {
    if (Status s = validate(*start); !s) return fail("the starting model: " + s.error());
    bool same = start->layers.size() + 1 == config.layers.size() && start->inputs() == config.layers[0] &&
                start->front.size() == config.front.size();
    for (size_t l = 0; same && l < start->front.size(); ++l) same = start->front[l].spec == config.front[l];
    for (size_t l = 0; same && l < start->layers.size(); ++l) same = start->layers[l].outputs() == config.layers[l + 1];
    if (!same) return fail("the starting model's layer sizes differ from --layers");
    net = std::move(*start);
  } else {
    Rng rng(config.seed);
    auto made = makeNetwork(config.networkSpec(), rng);
    if (!made) return fail(made.error());
    net = std::move(made.value());
  }
  if (history.size() > static_cast<size_t>(config.epochs)) history.resize(config.epochs);
  const int poolThreads = config.threads > 0
                              ? config.threads
                              : std::clamp(maxThreads > 0 ? maxThreads : defaultMaxThreads(), 1, kMaxThreads);
  std::unique_ptr<Trainer> trainer(
      new Trainer(config, std::move(train), std::move(test), std::move(net), std::move(history), poolThreads));
  if (config.threads == 0) trainer->chooseThreadCount();
  return trainer;
}

Trainer::Trainer(const TrainConfig& config, std::shared_ptr<const Dataset> train, std::shared_ptr<const Dataset> test,
                 Network net, std::vector<EpochMetrics> history, int poolThreads)
    : config_(config),
      train_(std::move(train)),
      test_(std::move(test)),
      net_(std::move(net)),
      history_(std::move(history)),
      rng_(config.seed) {
  const size_t loaded = train_->count();
  ValidationSplit split = validationSplit(static_cast<size_t>(config_.validation), loaded, config_.preset);
  splitNote_ = std::move(split.note);
  validationBegin_ = loaded - split.count;
  validationCount_ = config_.validationLimit > 0 ? std::min<size_t>(config_.validationLimit, split.count) : split.count;
  trainCount_ = config_.limit > 0 ? std::min<size_t>(config_.limit, validationBegin_) : validationBegin_;
  if (test_) testCount_ = config_.testLimit > 0 ? std::min<size_t>(config_.testLimit, test_->count()) : test_->count();
  batchSize_ = config_.batchSize == 0 ? static_cast<int>(trainCount_)
                                      : static_cast<int>(std::min<size_t>(config_.batchSize, trainCount_));
  batchesPerEpoch_ = static_cast<int>((trainCount_ + batchSize_ - 1) / batchSize_);
  threads_ = poolThreads;
  // A set count: the batch may still be too small for all of it (trainBatch shares it by
  // minSamplesPerThread), and then threads() says how many really share it.
  minShare_ = minSamplesPerThread(threadWork());
  const int usable = std::clamp(batchSize_ / minShare_, 1, threads_);
  if (config_.threads > 0)
    threadsReason_ = usable == threads_ ? threadsText(threads_) + ", as set"
                                        : threadsText(usable) + " of the " + std::to_string(threads_) + " set: batch " +
                                              std::to_string(batchSize_) + " is too small to share further";
  if (threads_ > 1) pool_ = std::make_unique<ThreadPool>(threads_);
  // `auto` may settle on any count from 2 up, so each thread's workspace holds a share of two;
  // a share beyond kChunk is cut into the same chunks either way.
  const int divisor = config_.threads > 0 ? threads_ : std::min(threads_, 2);
  const int perThread = (batchSize_ + divisor - 1) / divisor;
  workspaces_.resize(threads_);
  gradients_.resize(threads_);
  for (int t = 0; t < threads_; ++t) {
    // Thread 0 may take a small batch alone (see activeThreads), so it holds a whole one.
    workspaces_[t].resize(net_, std::min(kChunk, t == 0 ? batchSize_ : perThread), config_.dropout > 0);
    gradients_[t].resize(net_);
  }
  tally_.resize(threads_);
  if (augments(config_)) {
    // One buffer per workspace: `auto` may train on fewer threads than it measured.
    const int buffers = static_cast<int>(workspaces_.size());
    augmenter_ = std::make_unique<Augmenter>(config_, train_->rows, train_->cols);
    augmented_.resize(buffers);
    for (int t = 0; t < buffers; ++t) augmented_[t].resize(size_t(workspaces_[t].capacity) * train_->features());
    augmentScratch_.resize(buffers);
  }
  if (config_.crop > 0) {
    cropped_.resize(workspaces_.size());
    for (size_t t = 0; t < workspaces_.size(); ++t)
      cropped_[t].resize(size_t(workspaces_[t].capacity) * config_.crop * config_.crop);
  }
  if (config_.threads > 0) threads_ = usable;
  rule_ = makeUpdateRule(config_, net_);
  if (!net_.front.empty()) {
    // One per workspace, like the augmentation buffers: `auto` measures every count up to the pool's.
    frontWorkspaces_.resize(workspaces_.size());
    frontGradients_.resize(workspaces_.size());
    for (size_t t = 0; t < workspaces_.size(); ++t) {
      frontWorkspaces_[t].resize(net_, workspaces_[t].capacity);
      frontGradients_[t].resize(net_);
    }
    frontRule_ = makeUpdateRule(config_, frontParameters(net_));
  }
  learningRate_ = scheduledLearningRate(config_, history_);
  snapshot_ = net_;
}

Trainer::~Trainer() = default;

size_t Trainer::count(Split split) const {
  switch (split) {
    case Split::Train: return trainCount_;
    case Split::Validation: return validationCount_;
    case Split::Test: return testCount_;
  }
  return 0;
}

ThreadWork Trainer::threadWork() const {
  ThreadWork work;
  work.batch = batchSize_;
  work.maxThreads = threads_;
  // Forward products, update products, and the errors carried back through every layer but the
  // network's first (a dense layer after a conv front carries them back too).
  for (size_t l = 0; l < net_.layers.size(); ++l) {
    work.flopPerSample +=
        (l == 0 && net_.front.empty() ? 4.0 : 6.0) * net_.layers[l].inputs() * net_.layers[l].outputs();
    work.parameters += double(net_.layers[l].weights.size()) + net_.layers[l].bias.size();
  }
  // A conv layer: its im2col products at every output position, forward, kernel gradient and
  // (but for the first) the errors carried back to its input map.
  for (size_t l = 0; l < net_.front.size(); ++l)
    if (net_.front[l].isConv()) {
      work.flopPerSample += (l == 0 ? 4.0 : 6.0) * net_.front[l].patch() * net_.front[l].spec.filters *
                            net_.front[l].out.h * net_.front[l].out.w;
      work.parameters += double(net_.front[l].weights.size()) + net_.front[l].bias.size();
    }
  return work;
}

void Trainer::chooseThreadCount() {
  const ThreadWork work = threadWork();
  std::vector<ThreadTrial> trials;
  const std::vector<int> candidates = threadCandidates(work);
  if (!candidates.empty()) {
    for (int round = 0; round < 2; ++round)
      for (int n : candidates) trials.push_back({n, measureSamplesPerSecond(n)});
    // The measurement trained a copy of the run: start the run itself from where it was.
    net_ = snapshot_;
    rule_ = makeUpdateRule(config_, net_);
    if (frontRule_) frontRule_ = makeUpdateRule(config_, frontParameters(net_));
    batchInEpoch_ = 0;
  }
  const ThreadChoice choice = chooseThreads(work, trials);
  threads_ = choice.threads;
  threadsReason_ = choice.reason;
  if (!candidates.empty()) adapter_ = std::make_unique<ThreadAdapter>(candidates, threads_, batchSize_);
}

void Trainer::holdThreads(int threads) {
  adapter_.reset();
  threads_ = std::clamp(threads, 1, static_cast<int>(workspaces_.size()));
  threadsReason_ = threadsText(threads_) + ", as held";
}

void Trainer::adaptThreads(const AdaptPolicy& policy) {
  if (adapter_)
    adapter_ = std::make_unique<ThreadAdapter>(adapter_->candidates(), adapter_->current(), batchSize_, policy);
}

double Trainer::measureSamplesPerSecond(int threads) {
  using Clock = std::chrono::steady_clock;
  threads_ = threads;
  startEpoch();
  const int probe = std::min(batchSize_, kProbeBatch);
  const int batches = static_cast<int>(std::max<size_t>(1, trainCount_ / probe));
  int k = 0;
  auto step = [&] {
    const size_t first = static_cast<size_t>(k++ % batches) * probe;
    int wrong = 0;
    if (std::isfinite(trainBatch(first, probe, &wrong))) applyUpdate(probe);
  };
  step();  // wakes the threads and warms the caches
  const auto t0 = Clock::now();
  int timed = 0;
  double seconds = 0;
  while (timed < 2 || seconds < kProbeSeconds) {
    step();
    ++timed;
    seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return double(timed) * probe / seconds;
}

void Trainer::startEpoch() {
  order_.resize(trainCount_);
  std::iota(order_.begin(), order_.end(), 0u);
  if (config_.shuffle) {
    // The order depends only on (seed, epoch), so a run resumed from a saved epoch sees
    // the same batches as an uninterrupted one.
    Rng rng(mix(config_.seed, 0x5348554646ull + history_.size()));
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
  }
  epochLoss_ = 0;
  epochSeconds_ = 0;
  epochWrong_ = 0;
  epochSamples_ = 0;
}

void Trainer::fillDropoutMasks(Workspace<Scalar>& ws, size_t position, int count) {
  const double keep = 1.0 - config_.dropout;
  const Scalar scale = Scalar(1.0 / keep);
  const uint64_t epochKey = mix(config_.seed, 0x44524F50ull + history_.size());
  // uniform() < keep, decided on the draw's 53 bits as an integer: u·2⁻⁵³ < keep exactly when
  // u < ⌈keep·2⁵³⌉, so the masks are those of the comparison in floating point, without
  // converting each draw.
  const uint64_t below = static_cast<uint64_t>(std::ceil(std::ldexp(keep, 53)));
  for (size_t l = 0; l + 1 < net_.layers.size(); ++l) {
    auto& mask = ws.mask[l];
    for (int j = 0; j < count; ++j) {
      Rng rng(mix(epochKey, (position + j) * 64 + l));
      Scalar* column = mask.col(j).data();
      for (Eigen::Index i = 0; i < mask.rows(); ++i) column[i] = (rng.next() >> 11) < below ? scale : Scalar(0);
    }
  }
}

// Columns of a cache line of a row of the weights (see columnShareOf).
constexpr int kLineColumns = 64 / static_cast<int>(sizeof(Scalar));

std::pair<int, int> Trainer::shareOf(int size, int threads, int t) {
  const int begin = static_cast<int>(static_cast<long>(size) * t / threads);
  const int end = static_cast<int>(static_cast<long>(size) * (t + 1) / threads);
  return {begin, end - begin};
}

// Thread t's columns of a layer's `columns` outputs in the threaded steps: whole cache lines of
// a row each (kLineColumns columns), so that no two threads write the same line of the
// row-major weights, their gradient and the rule's state at once. Split column by column, a
// 10-output layer's 5 + 5 columns share every line of its rows, which then went back and forth
// between the cores in each step; now one thread takes them all (the work is small). A row
// that does not start on a line still shares the one line at the boundary.
std::pair<int, int> Trainer::columnShareOf(int columns, int threads, int t) {
  const int lines = (columns + kLineColumns - 1) / kLineColumns;
  const auto [first, count] = shareOf(lines, threads, t);
  const int begin = std::min(columns, first * kLineColumns);
  const int end = std::min(columns, (first + count) * kLineColumns);
  return {begin, end - begin};
}

// Thread t's part of W −= η·Σ_u a_u·e_uᵀ: columns [c0, c0+n) (columnShareOf) of every layer,
// from every thread's activations and errors, in thread order u = 0, 1, …, so the result
// depends on the thread count only. No gradient buffer is filled, zeroed or reduced. The first layer on
// sparse inputs is split by input rows instead: walking the non-zero rows is most of its
// cost, and by columns every thread would walk every thread's rows.
void Trainer::parallelSgdShare(int t, int size, Scalar eta, Scalar etaLambda) {
  const int threads = activeThreads_;
  bool sparseRows = true;
  for (int u = 0; u < threads; ++u)
    if (shareOf(size, threads, u).second > 0 && !workspaces_[u].sparse.active) sparseRows = false;
  for (size_t l = 0; l < net_.layers.size(); ++l) {
    Layer& layer = net_.layers[l];
    const auto [c0, n] = columnShareOf(layer.outputs(), threads, t);  // n may be 0
    const auto [r0, rows] = shareOf(layer.inputs(), threads, t);
    const bool byRows = l == 0 && sparseRows;
    if (etaLambda != Scalar(0)) {
      if (byRows) layer.weights.middleRows(r0, rows) *= Scalar(1) - etaLambda;
      else layer.weights.middleCols(c0, n) *= Scalar(1) - etaLambda;
    }
    for (int u = 0; u < threads; ++u) {
      const int samples = shareOf(size, threads, u).second;
      if (samples == 0) continue;
      const Workspace<Scalar>& ws = workspaces_[u];
      auto e = ws.e[l].block(c0, 0, n, samples);
      if (byRows) addSparseOuterProduct(ws, 0, layer.outputs(), -eta, layer.weights, r0, r0 + rows);
      else if (l == 0 && ws.sparse.active) addSparseOuterProduct(ws, c0, n, -eta, layer.weights);
      else addOuterProduct(layer.weights, -eta, ws.a[l], e, true, c0);
      if (layer.hasBias()) layer.bias.segment(c0, n).noalias() -= eta * e.rowwise().sum();
    }
  }
}

// Thread t's part of a stateful rule's step (momentum, Adam), in the same pool task as the
// forward and backward passes, after their barrier: its columns of every layer's summed
// gradient (updateColumnShares, balanced over all layers: split layer by layer, a 10-output
// layer went wholly to one thread, 20-130 µs more than the other's share of a `best` batch),
// from every thread's activations and errors in thread order u = 0, 1, … (so the result
// depends on the thread count only), into the columns of gradients_[0] nobody else touches,
// then the rule's update of those columns. Ending the task and starting another for the
// reduction and update (applyUpdate) handed the batch to the pool twice and filled and read a
// whole gradient buffer per thread.
//
// The share is taken kRuleColumns columns at a time, each block's gradient summed and then
// stepped at once, while it is still in cache (a whole layer's gradient is written out and
// read back otherwise, and Adam's step at batch 64 added ~30 % to the batch). A block is a whole
// number of the kernels' vector panels, so blocking changes no sum; a first layer of 784 inputs
// keeps a block's gradient in 400 KB, and each block walks the sparse inputs once more, so
// on one thread blocks are not smaller. On several they are half that: every core then streams
// its block's weights, gradient and rule state (momentum's velocity) at once, 3 × 400 KB a
// block on `best`, more than a core's 1 MB L2, and each half of `best`'s update took 1.85×
// half the one-thread update. Measured natively at 2 threads, quiet, alternating, 6 runs of 3
// epochs: 135k samples/s (132–155k) against 125k (120–139k) with 128 columns; on one thread
// 64 columns lost ~10 %.
void Trainer::parallelRuleShare(int t, int size) {
  constexpr int kRuleColumns = 128;
  const int threads = activeThreads_;
  const int blockColumns = threads > 1 ? kRuleColumns / 2 : kRuleColumns;
  const StepSize<Scalar> step{Scalar(learningRate_), reductionScale(size), Scalar(config_.l2)};
  for (size_t l = 0; l < net_.layers.size(); ++l) {
    Layer& layer = net_.layers[l];
    const auto [first, count] = threads > 1 ? ruleShares_[l][t] : std::pair<int, int>{0, layer.outputs()};
    for (int c0 = first; c0 < first + count; c0 += blockColumns) {
      const int n = std::min(blockColumns, first + count - c0);
      ruleColumns(layer, l, c0, n, size, step);
    }
  }
}

// Columns [c0, c0+n) of layer l: their summed gradient from every thread's activations and
// errors in thread order, then the rule's step.
void Trainer::ruleColumns(Layer& layer, size_t l, int c0, int n, int size, const StepSize<Scalar>& step) {
  const int threads = activeThreads_;
  auto& gW = gradients_[0].weights[l];
  auto gb = gradients_[0].bias[l].segment(c0, n);
  bool accumulate = false;
  for (int u = 0; u < threads; ++u) {
    const int samples = shareOf(size, threads, u).second;
    if (samples == 0) continue;
    const Workspace<Scalar>& ws = workspaces_[u];
    auto e = ws.e[l].block(c0, 0, n, samples);
    if (l == 0 && ws.sparse.active) {
      addSparseOuterProduct(ws, c0, n, Scalar(1), gW, 0, -1, accumulate);
    } else {
      addOuterProduct(gW, Scalar(1), ws.a[l], e, accumulate, c0);
    }
    if (layer.hasBias()) {
      if (accumulate) gb.noalias() += e.rowwise().sum();
      else gb.noalias() = e.rowwise().sum();
    }
    accumulate = true;
  }
  rule_->updateWeights(l, c0, layer.weights.middleCols(c0, n), gW.middleCols(c0, n), step);
  if (layer.hasBias()) rule_->updateBiases(l, c0, layer.bias.segment(c0, n), gb, step);
}

// Runs fn(layer, l, c0, n) for every layer on each active thread t, with [c0, c0+n) thread
// t's share of the layer's output columns (skipped when empty): the split the update steps use.
template <class Fn>
void Trainer::forEachColumnShare(const Fn& fn) {
  const int threads = activeThreads_;
  auto work = [&](int t) {
    if (t >= threads) return;
    DenormalsAreZero flush;
    for (size_t l = 0; l < net_.layers.size(); ++l) {
      const auto [c0, n] = shareOf(net_.layers[l].outputs(), threads, t);
      if (n > 0) fn(net_.layers[l], l, c0, n);
    }
  };
  if (threads > 1) pool_->run(work);
  else work(0);
}

double Trainer::trainBatch(size_t first, int size, int* wrong) {
  // The split depends only on the batch size and the thread count, never on timing.
  const int threads = activeThreads_ = pool_ ? std::clamp(size / minShare_, 1, threads_) : 1;
  // One thread, plain SGD and a batch that fits one chunk: the step can be fused into the
  // gradient product (see sgdStep), with no gradient buffer at all.
  // (A conv front keeps its gradients in buffers, so the dense layers do too.)
  const bool front = !net_.front.empty();
  fusedSgd_ = !front && threads == 1 && rule_->stateless() && size <= workspaces_[0].capacity;
  // Several threads, plain SGD, each thread's share in one chunk: every thread keeps its
  // samples' activations and errors, and the step is taken straight from them (parallelSgd).
  // A stateful rule likewise (parallelRule), its step begun here: a batch that turns out not to
  // be finite stops the run, so the step count it took is never used. Neither with a conv
  // front: its backward pass reads the dense layers' errors after the batch, and its gradients
  // live in buffers that only applyUpdate's generic step reads.
  // On one thread a stateful rule steps the same way (its gradient in cache-sized blocks).
  parallelSgd_ = parallelRule_ = false;
  if (!front) {
    bool fits = true;
    for (int t = 0; t < threads; ++t) fits = fits && shareOf(size, threads, t).second <= workspaces_[t].capacity;
    parallelSgd_ = fits && threads > 1 && rule_->stateless();
    parallelRule_ = fits && !rule_->stateless();
    if (parallelRule_) rule_->beginStep();
    if (parallelRule_ && threads > 1 && ruleSharesThreads_ != threads) {
      std::vector<LayerShape> shapes;
      for (const Layer& layer : net_.layers) shapes.push_back({layer.inputs(), layer.outputs()});
      ruleShares_ = updateColumnShares(shapes, threads, kLineColumns,
                                       [](int n) { return static_cast<int>(rowOperations<Scalar>(n)); });
      ruleSharesThreads_ = threads;
    }
  }
  const Scalar keep = Scalar(1.0 - config_.dropout);
  const Scalar eta = stepScale(size), etaLambda = eta * Scalar(config_.l2);
  std::fill(tally_.begin(), tally_.end(), ThreadTally{});
  auto work = [this, first, size, threads, keep, eta, etaLambda](int t) {
    if (t >= threads) return;
    DenormalsAreZero flush;
    const auto [begin, count] = shareOf(size, threads, t);
    const int end = begin + count;
    Workspace<Scalar>& ws = workspaces_[t];
    bool overwrite = true;
    for (int c = begin; c < end; c += ws.capacity) {
      const int n = std::min(ws.capacity, end - c);
      gatherTraining(t, first + c, n);
      if (ws.dropout) fillDropoutMasks(ws, first + c, n);
      forward(net_, ws, n);
      indexByInput(ws.sparse, train_->features());
      const auto& out = ws.a.back();
      for (int j = 0; j < n; ++j)
        if (argmax(out.col(j)) != train_->labels[order_[first + c + j]]) ++tally_[t].wrong;
      tally_[t].loss += outputError(net_, ws, n);
      propagateErrors(net_, ws, n, keep);
      if (!errorsFinite(ws, n)) tally_[t].finite = false;
      if (fusedSgd_ || parallelSgd_ || parallelRule_) continue;  // stepped once the loss is known to be finite
      if (!net_.front.empty()) frontBackward(net_, frontWorkspaces_[t], ws, n, frontGradients_[t], overwrite);
      accumulateGradients(net_, ws, n, gradients_[t], overwrite);
      overwrite = false;
    }
    tally_[t].used = end > begin;
    if (!parallelSgd_ && !parallelRule_) return;
    // Every thread's errors are needed for any column's update: wait for them here rather
    // than end the run and start another. The step is taken only when the batch's loss is
    // finite, decided from the tallies exactly as train() decides it.
    if (threads > 1) pool_->barrier(threads);
    if (!std::isfinite(batchLoss(threads))) return;
    if (parallelSgd_) parallelSgdShare(t, size, eta, etaLambda);
    else parallelRuleShare(t, size);
  };
  if (threads > 1) pool_->run(work);
  else work(0);
  for (int t = 0; t < threads; ++t) *wrong += tally_[t].wrong;
  return batchLoss(threads);
}

double Trainer::batchLoss(int threads) const {
  double loss = 0;
  for (int t = 0; t < threads; ++t) {
    if (!tally_[t].finite) return std::numeric_limits<double>::quiet_NaN();
    loss += tally_[t].loss;
  }
  return loss;
}

Scalar Trainer::reductionScale(int size) const {
  return config_.reduction == Reduction::Mean ? Scalar(1) / Scalar(size) : Scalar(1);
}

Scalar Trainer::stepScale(int size) const { return Scalar(learningRate_) * reductionScale(size); }

void Trainer::applyUpdate(int size) {
  if (fusedSgd_) {
    DenormalsAreZero flush;
    const Scalar eta = stepScale(size);
    sgdStep(net_, workspaces_[0], size, eta, eta * Scalar(config_.l2));
    return;
  }
  if (parallelSgd_ || parallelRule_) return;  // taken inside trainBatch's threads
  rule_->beginStep();
  const StepSize<Scalar> step{Scalar(learningRate_), reductionScale(size), Scalar(config_.l2)};
  // Reduction and update are split across the pool by output columns; each column's sum
  // still adds the threads' gradients in thread order, so the result is deterministic.
  const int threads = activeThreads_;
  forEachColumnShare([&](Layer& layer, size_t l, Eigen::Index c0, Eigen::Index n) {
    auto gW = gradients_[0].weights[l].middleCols(c0, n);
    for (int u = 1; u < threads; ++u)
      if (tally_[u].used) gW += gradients_[u].weights[l].middleCols(c0, n);
    rule_->updateWeights(l, c0, layer.weights.middleCols(c0, n), gW, step);
    if (layer.hasBias()) {
      auto gb = gradients_[0].bias[l].segment(c0, n);
      for (int u = 1; u < threads; ++u)
        if (tally_[u].used) gb += gradients_[u].bias[l].segment(c0, n);
      rule_->updateBiases(l, c0, layer.bias.segment(c0, n), gb, step);
    }
  });
  if (!net_.front.empty()) applyFrontUpdate(step);
}

// The front's step, on the calling thread (its parameters are few: 3,400 in the TF.js
// example), from the threads' gradients added in thread order.
void Trainer::applyFrontUpdate(const StepSize<Scalar>& step) {
  frontRule_->beginStep();
  for (size_t l = 0; l < net_.front.size(); ++l) {
    FrontLayer& f = net_.front[l];
    if (!f.isConv()) continue;
    auto& gW = frontGradients_[0].weights[l];
    auto& gb = frontGradients_[0].bias[l];
    for (int u = 1; u < activeThreads_; ++u) {
      if (!tally_[u].used) continue;
      gW += frontGradients_[u].weights[l];
      if (f.hasBias()) gb += frontGradients_[u].bias[l];
    }
    frontRule_->updateWeights(l, 0, f.weights.middleCols(0, f.weights.cols()), gW.middleCols(0, gW.cols()), step);
    if (f.hasBias()) frontRule_->updateBiases(l, 0, f.bias.segment(0, f.bias.size()), gb.segment(0, gb.size()), step);
  }
}

std::string StepResult::ThreadChange::text() const {
  return "threads from epoch " + std::to_string(epoch) + ", batch " + std::to_string(batch) + ": " + reason;
}

StepResult Trainer::train(int maxBatches) {
  StepResult result;
  trainBatches(maxBatches, result);
  result.finished = finished();
  if (!diverged_.empty()) result.diverged = diverged_;
  return result;
}

// train()'s loop, in a frame of its own where no object with a destructor lives across the
// step's calls: in WebAssembly (exceptions through JavaScript) every call made while one does
// leaves for a JavaScript invoke_ trampoline and comes back, four times a batch before.
void Trainer::trainBatches(int maxBatches, StepResult& result) {
  using Clock = std::chrono::steady_clock;
  // The epoch's time is read at the ends of each run of its batches, not around every batch:
  // in WebAssembly a clock read is a call out to JavaScript's performance.now(), 0.1–0.3 µs,
  // a few per cent of a one-sample step. The adapter still times every batch it judges.
  Clock::time_point since;
  bool timing = false;
  const auto stopClock = [&] {
    if (timing) epochSeconds_ += std::chrono::duration<double>(Clock::now() - since).count();
    timing = false;
  };
  while (result.batches < maxBatches && !finished()) {
    if (batchInEpoch_ == 0) startEpoch();
    if (!timing) since = Clock::now();
    timing = true;
    const auto t0 = adapter_ ? Clock::now() : since;
    const size_t first = static_cast<size_t>(batchInEpoch_) * batchSize_;
    const int size = static_cast<int>(std::min<size_t>(batchSize_, trainCount_ - first));
    int wrong = 0;
    if (adapter_) threads_ = adapter_->next();
    const double loss = trainBatch(first, size, &wrong);
    const bool finiteLoss = std::isfinite(loss);
    if (finiteLoss) applyUpdate(size);
    if (adapter_ && adapter_->record(threads_, size, std::chrono::duration<double>(Clock::now() - t0).count())) {
      threadsReason_ = adapter_->reason();
      const bool lastOfEpoch = batchInEpoch_ + 1 == batchesPerEpoch_;
      result.threadChanges.push_back({epoch() + 1 + (lastOfEpoch ? 1 : 0), lastOfEpoch ? 1 : batchInEpoch_ + 2,
                                      adapter_->current(), threadsReason_});
    }
    if (!finiteLoss) {
      if (!net_.layers.empty()) {
        bool finiteWeights = true;
        for (const auto& l : net_.layers) finiteWeights = finiteWeights && l.weights.allFinite() && l.bias.allFinite();
        for (const auto& l : net_.front) finiteWeights = finiteWeights && l.weights.allFinite() && l.bias.allFinite();
        if (!finiteWeights) net_ = snapshot_;
      }
      diverged_ = "training diverged at epoch " + std::to_string(epoch() + 1) + ", batch " +
                  std::to_string(batchInEpoch_ + 1) +
                  ": the loss or its gradient"
                  " became NaN or infinite, so training stopped and the last finite weights are kept. "
                  "The learning rate " +
                  formatRate(learningRate_) + " is too large for this network; try " + formatRate(learningRate_ / 10) +
                  " (or a `mean` reduction, a smaller batch, or cross-entropy with a softmax output).";
      result.diverged = diverged_;
      break;
    }
    epochLoss_ += loss;
    epochWrong_ += wrong;
    epochSamples_ += size;
    result.batchLosses.push_back(static_cast<float>(loss / size));
    ++result.batches;
    if (++batchInEpoch_ == batchesPerEpoch_) {
      stopClock();
      batchInEpoch_ = 0;
      const double saturated = saturatedShare();
      result.epochs.push_back(finishEpoch());
      // Saturated sigmoids are the other way a too-large learning rate fails (the lab's
      // lr = 10): nothing overflows, the units sit at 0 or 1, σ' ≈ 0 and learning stops.
      const EpochMetrics& m = result.epochs.back();
      if (!warned_ && m.epoch >= 3 && saturated > 0.5 && m.trainError > 0.5) {
        warned_ = true;
        char share[16], error[16];
        std::snprintf(share, sizeof share, "%.0f%%", saturated * 100);
        std::snprintf(error, sizeof error, "%.1f%%", m.trainError * 100);
        result.warning = std::string("after ") + std::to_string(m.epoch) + " epochs the training error is still " +
                         error + " and " + share +
                         " of the sigmoid units are saturated (output within 0.01 of 0 or 1), so their gradients "
                         "vanish and the network has stopped learning. The learning rate " +
                         formatRate(m.learningRate) + " is probably too large: try " + formatRate(m.learningRate / 10) +
                         ".";
      }
    }
  }
  stopClock();
}

double Trainer::saturatedShare() const {
  size_t saturated = 0, total = 0;
  for (int t = 0; t < activeThreads_; ++t) {
    const Workspace<Scalar>& ws = workspaces_[t];
    const int n = std::min(ws.capacity, batchSize_);
    for (size_t l = 0; l < net_.layers.size(); ++l) {
      if (net_.layers[l].activation != Activation::Sigmoid) continue;
      const auto a = ws.a[l + 1].leftCols(n).array();
      saturated += static_cast<size_t>(((a < Scalar(0.01)) || (a > Scalar(0.99))).count());
      total += static_cast<size_t>(a.size());
    }
  }
  return total ? double(saturated) / double(total) : 0.0;
}

EpochMetrics Trainer::finishEpoch() {
  EpochMetrics m;
  m.epoch = epoch() + 1;
  m.trainLoss = epochLoss_ / double(epochSamples_);
  if (config_.l2 > 0) {
    // The blog's cost J adds λ/m·Σθ² over every weight (biases excluded), m its training
    // samples; its annealing compares this J.
    double squares = 0;
    for (const Layer& layer : net_.layers) squares += double(layer.weights.squaredNorm());
    m.trainLoss += config_.l2 * squares / double(trainCount_);
  }
  m.trainError = double(epochWrong_) / double(epochSamples_);
  m.learningRate = learningRate_;
  m.seconds = epochSeconds_;
  m.samplesPerSecond = epochSeconds_ > 0 ? double(epochSamples_) / epochSeconds_ : 0;
  if (validationCount_ > 0) {
    Evaluation v = evaluate(Split::Validation);
    m.validationLoss = v.loss;
    m.validationError = v.error;
  }
  if (testCount_ > 0) {
    Evaluation t = evaluate(Split::Test);
    m.testLoss = t.loss;
    m.testError = t.error;
  }
  history_.push_back(m);
  learningRate_ = scheduledLearningRate(config_, history_);
  snapshot_ = net_;
  return m;
}

Evaluation Trainer::evaluate(Split split, bool keepPredictions) const {
  switch (split) {
    case Split::Train:
      return digitrain::evaluate(net_, *train_, 0, trainCount_, keepPredictions, pool_.get(), config_.crop);
    case Split::Validation:
      return digitrain::evaluate(net_, *train_, validationBegin_, validationBegin_ + validationCount_, keepPredictions,
                                 pool_.get(), config_.crop);
    case Split::Test:
      if (!test_) return {};
      return digitrain::evaluate(net_, *test_, 0, testCount_, keepPredictions, pool_.get(), config_.crop);
  }
  return {};
}

Evaluation evaluate(const Network& net, const Dataset& set, size_t begin, size_t end, bool keepPredictions,
                    ThreadPool* pool, int crop) {
  Evaluation ev;
  ev.count = end > begin ? end - begin : 0;
  if (ev.count == 0) return ev;
  const int threads = pool ? pool->size() : 1;
  const int outputs = net.outputs();
  if (keepPredictions) {
    ev.predicted.resize(ev.count);
    ev.probabilities.resize(ev.count * outputs);
  }
  // Each thread's sums on cache lines of their own (it adds to them per sample).
  struct alignas(64) Sums {
    double loss = 0;
    std::array<std::array<int, kClasses>, kClasses> confusion{};
  };
  std::vector<Sums> sums(threads);
  auto work = [&](int t) {
    const size_t from = begin + ev.count * t / threads, to = begin + ev.count * (t + 1) / threads;
    if (from >= to) return;
    DenormalsAreZero flush;
    Workspace<Scalar> ws;
    ws.resize(net, static_cast<int>(std::min<size_t>(kChunk, to - from)), false);
    FrontWorkspace<Scalar> fw;
    if (!net.front.empty()) fw.resize(net, ws.capacity);
    std::vector<uint32_t> idx(ws.capacity);
    std::vector<uint8_t> windows(crop > 0 ? size_t(ws.capacity) * crop * crop : 0);
    Matrix mean;
    auto& confusion = sums[t].confusion;
    for (size_t c = from; c < to; c += ws.capacity) {
      const int n = static_cast<int>(std::min<size_t>(ws.capacity, to - c));
      std::iota(idx.begin(), idx.begin() + n, static_cast<uint32_t>(c));
      if (crop > 0) forwardCropViews(net, set, idx.data(), n, crop, ws, fw, windows, mean);
      else {
        gather(net, set, idx.data(), n, ws, net.front.empty() ? nullptr : &fw);
        forward(net, ws, n);
      }
      const auto& out = ws.a.back();
      for (int j = 0; j < n; ++j) {
        const int predicted = argmax(out.col(j));
        const int label = set.labels[c + j];
        if (label < kClasses && predicted < kClasses) ++confusion[label][predicted];
        if (keepPredictions) {
          ev.predicted[c - begin + j] = static_cast<uint8_t>(predicted);
          std::copy_n(out.col(j).data(), outputs, ev.probabilities.data() + (c - begin + j) * outputs);
        }
      }
      sums[t].loss += outputError(net, ws, n);
    }
  };
  if (pool) pool->run(work);
  else work(0);
  size_t wrong = 0;
  for (int t = 0; t < threads; ++t) {
    ev.loss += sums[t].loss;
    for (int i = 0; i < kClasses; ++i)
      for (int j = 0; j < kClasses; ++j) {
        ev.confusion[i][j] += sums[t].confusion[i][j];
        if (i != j) wrong += sums[t].confusion[i][j];
      }
  }
  ev.loss /= double(ev.count);
  ev.error = double(wrong) / double(ev.count);
  return ev;
}

}  // namespace digitrain
