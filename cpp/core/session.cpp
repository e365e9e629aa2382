#include "session.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "config_json.h"
#include "conv_math.h"
#include "crop.h"
#include "layer_math.h"
#include "npz.h"
#include "presets.h"

namespace digitrain {

using nlohmann::json;

// ---- threads --------------------------------------------------------------------------------

ThreadLease::ThreadLease(ThreadLease&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), workers_(std::exchange(other.workers_, 0)) {}

ThreadLease& ThreadLease::operator=(ThreadLease&& other) noexcept {
  if (this != &other) {
    release();
    budget_ = std::exchange(other.budget_, nullptr);
    workers_ = std::exchange(other.workers_, 0);
  }
  return *this;
}

void ThreadLease::release() {
  if (budget_) budget_->inUse_ -= workers_;
  budget_ = nullptr;
  workers_ = 0;
}

ThreadBudget::ThreadBudget(int poolWorkers) : poolWorkers_(std::max(0, poolWorkers)) {}

ThreadGrant ThreadBudget::lease(int requested) {
  ThreadGrant grant;
  const int available = 1 + std::max(0, poolWorkers_ - inUse_);
  const int threads = std::clamp(requested, 1, available);
  if (requested > available) {
    // Worded for the page: a pool with no workers is the browser's SIMD-only build.
    if (poolWorkers_ == 0)
      grant.warning = "threads: " + std::to_string(requested) +
                      " requested, but this build of the engine has no threads (the page is not "
                      "cross-origin isolated or the browser lacks WebAssembly threads): training on 1";
    else
      grant.warning = "threads: " + std::to_string(requested) + " requested, clamped to " + std::to_string(threads) +
                      " (the engine's thread pool holds " + std::to_string(maxThreads()) + " threads" +
                      (inUse_ ? ", some used by another session" : "") + ")";
  }
  inUse_ += threads - 1;
  grant.lease = ThreadLease(this, threads - 1);
  return grant;
}

// ---- names ----------------------------------------------------------------------------------

Expected<Slot> parseSlot(std::string_view text) {
  if (text == "train") return Slot::Train;
  if (text == "test") return Slot::Test;
  return fail("unknown dataset slot \"" + std::string(text) + "\" (expected \"train\" or \"test\")");
}

Expected<Split> parseSplit(std::string_view text) {
  if (text == "train") return Split::Train;
  if (text == "validation") return Split::Validation;
  if (text == "test") return Split::Test;
  return fail("unknown split \"" + std::string(text) + "\" (expected \"train\", \"validation\" or \"test\")");
}

// ---- free functions shared with the CLI ------------------------------------------------------

std::vector<int> layerSizes(const Network& net) {
  std::vector<int> sizes;
  if (!net.layers.empty()) sizes.push_back(net.inputs());
  for (const auto& l : net.layers) sizes.push_back(l.outputs());
  return sizes;
}

TrainConfig configForNetwork(const Network& net) {
  TrainConfig c;
  c.preset.clear();
  c.layers = layerSizes(net);
  for (const FrontLayer& f : net.front) c.front.push_back(f.spec);
  if (net.layers.size() > 1) c.hidden = net.layers.front().activation;
  else if (!net.front.empty() && net.front.front().isConv()) c.hidden = net.front.front().activation;
  c.output = net.layers.back().activation;
  c.loss = net.loss;
  c.bias = net.layers.front().hasBias();
  return c;
}

Prediction forwardWithActivations(const Network& net, const float* input) {
  Workspace<Scalar> ws;
  ws.resize(net, 1, false);
  Prediction p;
  if (net.front.empty()) {
    ws.a[0].col(0) = Eigen::Map<const Vector>(input, net.inputs());
  } else {
    FrontWorkspace<Scalar> fw;
    fw.resize(net, 1);
    fw.x[0].col(0) = Eigen::Map<const Vector>(input, net.inputs());
    frontForward(net, fw, ws, 1);
    for (size_t l = 1; l < fw.x.size(); ++l)
      p.featureMaps.emplace_back(fw.x[l].data(), fw.x[l].data() + fw.x[l].size());
  }
  forward(net, ws, 1);
  for (size_t l = 1; l < ws.a.size(); ++l) {
    const auto col = ws.a[l].col(0);
    p.activations.emplace_back(col.data(), col.data() + col.size());
  }
  const std::vector<float>& out = p.activations.back();
  p.predicted = static_cast<int>(std::max_element(out.begin(), out.end()) - out.begin());
  return p;
}

Expected<Prediction> predictImage(const Network& net, int crop, const std::vector<float>& pixels, uint64_t sample,
                                  const char* call) {
  for (size_t i = 0; i < pixels.size(); ++i)
    if (!std::isfinite(pixels[i])) return fail(std::string(call) + ": pixel " + std::to_string(i) + " is not a number");
  if (crop == 0) {
    if (pixels.size() != static_cast<size_t>(net.inputs()))
      return fail(std::string(call) + ": got " + std::to_string(pixels.size()) + " values but the model has " +
                  std::to_string(net.inputs()) + " inputs");
    return forwardWithActivations(net, pixels.data());
  }
  const int side = static_cast<int>(std::lround(std::sqrt(double(pixels.size()))));
  if (size_t(side) * size_t(side) != pixels.size() || side <= crop)
    return fail(std::string(call) + ": got " + std::to_string(pixels.size()) + " values but the model reads " +
                std::to_string(crop) + "×" + std::to_string(crop) + " windows of a larger square image");
  std::vector<float> window(size_t(crop) * crop);
  Prediction p;
  std::vector<float> mean;
  for (int view = 0; view < kCropViews; ++view) {
    cropImage(pixels.data(), side, predictionCropOffset(sample, view, side, crop), crop, window.data());
    Prediction v = forwardWithActivations(net, window.data());
    const std::vector<float>& out = v.activations.back();
    if (view == 0) {
      mean = out;
      p = std::move(v);
    } else
      for (size_t k = 0; k < mean.size(); ++k) mean[k] += out[k];
  }
  for (float& m : mean) m /= float(kCropViews);
  p.activations.back() = mean;
  p.predicted = static_cast<int>(std::max_element(mean.begin(), mean.end()) - mean.begin());
  return p;
}

int modelCrop(const Model& model) { return model.config ? model.config->crop : 0; }

Status checkModelReads(const Network& net, const std::string& modelName, const Dataset& set,
                       const std::string& imagesName, int crop) {
  if (crop > 0) {
    if (Status s = checkCrop(crop, net.inputs(), set.rows, set.cols); !s) return fail(modelName + ": " + s.error());
    return Ok{};
  }
  if (net.inputs() != set.features())
    return fail(modelName + ": the model reads " + std::to_string(net.inputs()) + " inputs but " + imagesName +
                " holds images of " + std::to_string(set.rows) + "×" + std::to_string(set.cols) + " = " +
                std::to_string(set.features()) + " pixels");
  return Ok{};
}

Expected<Evaluation> evaluateModel(const Network& net, const std::string& modelName, const Dataset& set,
                                   const std::string& imagesName, size_t count, bool keepPredictions, ThreadPool* pool,
                                   int crop) {
  if (net.outputs() != kClasses)
    return fail(modelName + ": the model has " + std::to_string(net.outputs()) +
                " output(s); evaluating on digits needs " + std::to_string(kClasses));
  if (Status s = checkModelReads(net, modelName, set, imagesName, crop); !s) return fail(s.error());
  const size_t end = count > 0 ? std::min(count, set.count()) : set.count();
  return evaluate(net, set, 0, end, keepPredictions, pool, crop);
}

Expected<std::vector<double>> numbersFromJson(std::string_view text, const std::string& where) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return fail(where + ": not valid JSON: " + json_detail::parseErrorText(e));
  }
  if (doc.is_number()) return std::vector<double>{doc.get<double>()};
  if (!doc.is_array() || doc.empty())
    return fail(where + ": expected a JSON array of numbers, got " + json_detail::shortText(doc));
  std::vector<double> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    if (!doc[i].is_number())
      return fail(where + ": element " + std::to_string(i) + " is not a number (got " + json_detail::shortText(doc[i]) +
                  ")");
    out.push_back(doc[i].get<double>());
  }
  return out;
}

Expected<Inspection> inspectModel(std::string_view modelText, std::string_view inputJson, std::string_view targetJson,
                                  double learningRate) {
  auto net = networkInDoublePrecision(modelText, "the inspected model");
  if (!net) return fail(net.error());
  auto input = numbersFromJson(inputJson, "the input");
  if (!input) return fail(input.error());
  auto target = numbersFromJson(targetJson, "the target");
  if (!target) return fail(target.error());
  return inspectStep(net.value(), input.value(), target.value(), learningRate);
}

// ---- the session ----------------------------------------------------------------------------

namespace {

Expected<IdxArray> parseUnpacked(const std::string& fileName, const std::vector<uint8_t>& bytes,
                                 const IdxLimits& limits) {
  if (isGzip(bytes.data(), bytes.size()))
    return fail(fileName + ": is gzip-compressed; unpack it before handing it to the engine");
  return parseIdx(bytes.data(), bytes.size(), fileName, limits);
}

}  // namespace

Session::Session(ThreadBudget& threads, IdxLimits idxLimits) : budget_(threads), idxLimits_(idxLimits) {}

Session::~Session() { dropTrainer(); }

void Session::dropTrainer() {
  trainer_.reset();  // joins its worker threads first: only then are they free for another run
  lease_.release();
}

const Network* Session::network() const {
  if (trainer_) return &trainer_->network();
  if (imported_) return &imported_->network;
  return nullptr;
}

Expected<FileDescription> Session::describe(const std::string& fileName, const std::vector<uint8_t>& bytes) const {
  auto parsed = parseUnpacked(fileName, bytes, idxLimits_);
  if (!parsed) return fail(parsed.error());
  FileDescription d;
  d.type = parsed->type;
  d.dims = parsed->dims;
  d.summary = summarise(*parsed);
  return d;
}

Expected<DatasetInfo> Session::setDataset(Slot target, const NamedSource& images, const NamedSource& labels) {
  // One file at a time, its bytes freed as soon as it is parsed.
  auto parseOne = [this](const NamedSource& source) -> Expected<IdxArray> {
    auto bytes = source.read();
    if (!bytes) return fail(bytes.error());
    return parseUnpacked(source.name, *bytes, idxLimits_);
  };
  auto imageArray = parseOne(images);
  if (!imageArray) return fail(imageArray.error());
  auto labelArray = parseOne(labels);
  if (!labelArray) return fail(labelArray.error());
  auto set = makeDataset(std::move(imageArray.value()), images.name, labelArray.value(), labels.name);
  if (!set) return fail(set.error());
  imageArray = IdxArray{};
  labelArray = IdxArray{};
  auto shared = std::make_shared<const Dataset>(std::move(set.value()));
  slot(target) = {shared, images.name, labels.name};
  DatasetInfo info;
  info.count = shared->count();
  info.rows = shared->rows;
  info.cols = shared->cols;
  for (uint8_t l : shared->labels) ++info.histogram[l];  // makeDataset checked: each is 0..9
  return info;
}

bool Session::clearSlot(Slot target) {
  if (trainer_) {
    auto model = exportModel();  // cannot fail with a trainer
    dropTrainer();
    imported_ = std::move(model.value());
    importedName_ = "the last run's model";
  }
  slot(target) = Loaded{};
  return imported_.has_value();
}

SampleView Session::samples(Slot from, long start, long count) const {
  SampleView view;
  const Dataset* set = slot(from).data.get();
  if (!set || start < 0 || count <= 0 || static_cast<size_t>(start) >= set->count()) return view;
  view.count = std::min<size_t>(static_cast<size_t>(count), set->count() - static_cast<size_t>(start));
  view.imageBytes = static_cast<size_t>(set->features());
  view.images = set->image(static_cast<size_t>(start));
  view.labels = set->labels.data() + start;
  return view;
}

Expected<RunInfo> Session::configure(std::string_view settingsJson, std::string_view startModelJson) {
  auto parsed = parseSettingsObject(settingsJson);
  if (!parsed) return fail(parsed.error());
  json patch = std::move(parsed.value());

  std::optional<Network> start;
  std::vector<EpochMetrics> history;
  TrainConfig base;
  if (!startModelJson.empty()) {
    auto model = modelFromJson(startModelJson, "the starting model");
    if (!model) return fail(model.error());
    base = model->config ? *model->config : configForNetwork(model->network);
    start = std::move(model->network);
    history = std::move(model->history);
  } else if (auto p = patch.find("preset"); p != patch.end() && p->is_string() && !p->get<std::string>().empty()) {
    // A patch naming a preset starts from that preset; a full config overrides it all.
    auto preset = presetConfig(p->get<std::string>());
    if (!preset) return fail(preset.error());
    base = preset.value();
  }
  auto config = applyConfigJson(base, patch);
  if (!config) return fail(config.error());
  TrainConfig cfg = config.value();

  // Dry run on one thread: every check Trainer::create makes, without touching the budget or
  // the current trainer, so a refused configuration leaves the session as it was.
  {
    TrainConfig probe = cfg;
    probe.threads = 1;
    auto check = Trainer::create(probe, train_.data, test_.data, start, history);
    if (!check) return fail(check.error());
  }

  // The old run's workers go back to the budget before the new run asks for its own.
  RunInfo info;
  info.threadsRequested = cfg.threads;
  info.threadsMax = budget_.maxThreads();
  dropTrainer();
  // `auto` takes what the budget has left, without a warning, and the trainer picks from it.
  const bool automatic = cfg.threads == 0;
  ThreadGrant grant = budget_.lease(automatic ? budget_.maxThreads() : cfg.threads);
  if (!automatic) cfg.threads = grant.lease.threads();
  if (!grant.warning.empty() && !automatic) info.warnings.push_back(grant.warning);
  auto created =
      Trainer::create(cfg, train_.data, test_.data, std::move(start), std::move(history), grant.lease.threads());
  if (!created) return fail(created.error());
  trainer_ = std::move(created.value());
  if (!trainer_->splitNote().empty()) info.warnings.insert(info.warnings.begin(), trainer_->splitNote());
  lease_ = std::move(grant.lease);
  imported_.reset();
  importedName_.clear();

  info.config = cfg;
  info.threadsUsed = trainer_->threads();
  info.threadsReason = trainer_->threadsReason();
  info.trainCount = trainer_->count(Split::Train);
  info.validationCount = trainer_->count(Split::Validation);
  info.testCount = trainer_->count(Split::Test);
  info.batchesPerEpoch = trainer_->batchesPerEpoch();
  info.epoch = trainer_->epoch();
  info.finished = trainer_->finished();
  return info;
}

Expected<AugmentPreview> Session::augmentPreview(std::string_view settingsJson, long start, int count, int epoch,
                                                 int variants) const {
  TrainConfig base;
  auto parsed = parseSettingsObject(settingsJson);
  if (!parsed) return fail(parsed.error());
  json patch = std::move(parsed.value());
  if (auto p = patch.find("preset"); p != patch.end() && p->is_string() && !p->get<std::string>().empty()) {
    auto preset = presetConfig(p->get<std::string>());
    if (!preset) return fail(preset.error());
    base = preset.value();
  }
  auto config = applyConfigJson(base, patch);
  if (!config) return fail(config.error());
  const Dataset* set = train_.data.get();
  if (!set || set->count() == 0) return fail("no training data: load the training images and labels first");
  if (start < 0 || count < 1 || epoch < 0 || variants < 1)
    return fail("augmentPreview: start and epoch must be at least 0, count and variants at least 1");
  if (static_cast<long>(count) * (1 + variants) > kMaxPreviewImages)
    return fail("augmentPreview: at most " + std::to_string(kMaxPreviewImages) + " images (count × (1 + variants))");
  AugmentPreview out;
  out.rows = set->rows;
  out.cols = set->cols;
  out.variants = variants;
  out.count = static_cast<size_t>(std::max<long>(0, std::min<long>(count, static_cast<long>(set->count()) - start)));
  const size_t n = static_cast<size_t>(set->features());
  out.images.resize(out.count * (1 + variants) * n);
  const Augmenter augmenter(*config, set->rows, set->cols);
  Augmenter::Scratch scratch;
  uint8_t* to = out.images.data();
  for (size_t i = 0; i < out.count; ++i) {
    const uint32_t sample = static_cast<uint32_t>(start + static_cast<long>(i));
    std::copy_n(set->image(sample), n, to);
    to += n;
    for (int v = 0; v < variants; ++v, to += n) augmenter.apply(set->image(sample), to, epoch + v, sample, scratch);
  }
  return out;
}

Expected<TrainReport> Session::train(int maxBatches) {
  if (!trainer_) return fail("not configured: call configure() before train()");
  TrainReport r;
  r.step = trainer_->train(std::max(0, maxBatches));
  r.epoch = trainer_->epoch();
  r.batchInEpoch = trainer_->batchInEpoch();
  r.batchesPerEpoch = trainer_->batchesPerEpoch();
  r.learningRate = trainer_->learningRate();
  return r;
}

Expected<SplitEvaluation> Session::evaluate(Split split, bool keepPredictions) const {
  SplitEvaluation out;
  if (trainer_) {
    out.evaluation = trainer_->evaluate(split, keepPredictions);
    out.outputs = trainer_->network().outputs();
    return out;
  }
  if (!imported_) return fail("no model: configure a run or import a model first");
  // A loaded model without a run: the whole train or test slot.
  if (split == Split::Validation) return fail("no validation split: it is defined by a training run (configure first)");
  const Loaded& loaded = slot(split == Split::Train ? Slot::Train : Slot::Test);
  if (!loaded.data || loaded.data->count() == 0)
    return fail(std::string("no ") + (split == Split::Train ? "training" : "test") + " data loaded");
  auto ev = evaluateModel(imported_->network, importedName_, *loaded.data, loaded.imagesName, 0, keepPredictions,
                          nullptr, modelCrop(*imported_));
  if (!ev) return fail(ev.error());
  out.evaluation = std::move(ev.value());
  out.outputs = imported_->network.outputs();
  return out;
}

Expected<Prediction> Session::networkReading(const std::vector<float>& pixels, const char* call) const {
  const Network* net = network();
  if (!net) return fail("no model: configure a run or import a model first");
  return predictImage(*net, trainer_ ? trainer_->config().crop : modelCrop(*imported_), pixels, 0, call);
}

Expected<Prediction> Session::predict(const std::vector<float>& pixels) const {
  return networkReading(pixels, "predict");
}

Expected<std::vector<FeatureMap>> Session::featureMaps(const std::vector<float>& pixels) const {
  auto p = networkReading(pixels, "featureMaps");
  if (!p) return fail(p.error());
  const Network& n = *network();
  std::vector<FeatureMap> maps;
  for (size_t l = 0; l < n.front.size(); ++l)
    maps.push_back({n.front[l].spec, n.front[l].out, std::move(p->featureMaps[l])});
  return maps;
}

Expected<Model> Session::exportModel() const {
  if (trainer_) {
    Model m;
    m.network = trainer_->network();
    m.config = trainer_->config();
    m.history = trainer_->history();
    if (train_.data) {
      m.inputRows = networkSide(m.config->crop, train_.data->rows);
      m.inputCols = networkSide(m.config->crop, train_.data->cols);
    }
    return m;
  }
  if (imported_) return *imported_;
  return fail("no model: configure a run or import a model first");
}

Expected<const Model*> Session::importModel(std::string_view text, const std::string& fileName) {
  const std::string name = fileName.empty() ? std::string("model.json") : fileName;
  auto model = modelFromJson(text, name);
  if (!model) return fail(model.error());
  dropTrainer();
  imported_ = std::move(model.value());
  importedName_ = name;
  return &*imported_;
}

Expected<std::vector<uint8_t>> Session::exportNpz() const {
  const Network* net = network();
  if (!net) return fail("no model: configure a run or import a model first");
  return networkToNpz(*net);
}

}  // namespace digitrain
