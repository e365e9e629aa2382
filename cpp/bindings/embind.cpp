// The engine's WebAssembly API (web/core/engine.d.ts), bound with Embind.
//
// The door is narrow and coarse on purpose: bytes in (copied from a JS Uint8Array into the
// wasm heap), JSON strings or fresh JS copies out, never a live view of the heap (the heap is
// a SharedArrayBuffer in the threaded build and is replaced when memory grows in the other).
//
// Nothing may throw across the boundary: C++ exceptions reach JavaScript as bare numbers.
// Every method catches everything and answers {"ok":false,"error":"..."}; a failed call
// leaves the session as it was.
//
// This is the only file (with node_gzip.cpp) that includes Emscripten headers; the core in
// cpp/core knows nothing about JavaScript.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "config_json.h"
#include "dataset.h"
#include "idx.h"
#include "inspector.h"
#include "layer_math.h"
#include "model_io.h"
#include "npz.h"
#include "presets.h"
#include "settings.h"
#include "trainer.h"

#ifndef DIGITRAIN_VERSION
#define DIGITRAIN_VERSION "0.0.0"
#endif

using emscripten::val;
using nlohmann::json;

namespace digitrain {
namespace {

#ifdef __EMSCRIPTEN_PTHREADS__
// The pthread pool is pre-warmed by the JS glue (PTHREAD_POOL_SIZE is the expression
// `Module.pthreadPoolSize`, set by the pre-js from navigator.hardwareConcurrency unless the
// caller passed one to createEngine). Starting more threads than the pool holds makes the
// first join hang forever, so every trainer's worker threads are counted against it.
EM_JS(int, digitrain_pool_size, (), { return Module['pthreadPoolSize'] | 0; });
#endif

int poolWorkers() {
#ifdef __EMSCRIPTEN_PTHREADS__
  static const int workers = std::max(0, digitrain_pool_size());
  return workers;
#else
  return 0;
#endif
}

// Worker threads held by live trainers, over every Session of this module.
int g_workersInUse = 0;

int maxThreadsValue() { return 1 + poolWorkers(); }

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string okJson(json j) {
  j["ok"] = true;
  return dump(j);
}

std::string errorJson(const std::string& message) {
  return dump(json{{"ok", false}, {"error", message}});
}

// Runs `body`, turning anything it throws into {"ok":false}.
template <class F>
std::string guarded(const char* what, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return errorJson(std::string(what) + ": out of memory (the engine's memory is full; "
                     "load fewer samples or reload the page)");
  } catch (const std::exception& e) {
    return errorJson(std::string(what) + ": internal error: " + e.what());
  } catch (...) {
    return errorJson(std::string(what) + ": internal error");
  }
}

// The largest IDX file the browser engine takes, unpacked: full MNIST's training images are
// 47 MB, and the threaded build's fixed 256 MB heap must still hold a copy, the dataset and
// a test set. Checked on the JS array's length, before anything is allocated.
constexpr size_t kMaxFileBytes = size_t{100} << 20;

IdxLimits browserIdxLimits() {
  IdxLimits limits;
  limits.maxBytes = kMaxFileBytes;
  limits.maxElements = kMaxFileBytes;
  return limits;
}

// A JS Uint8Array (or ArrayBuffer, or array of numbers) copied into the wasm heap.
Expected<std::vector<uint8_t>> bytesFromJs(const val& input, const std::string& fileName) {
  val bytes = input;
  if (bytes.instanceof(val::global("ArrayBuffer"))) bytes = val::global("Uint8Array").new_(input);
  if (!bytes["length"].isNumber()) return fail(fileName + ": expected the file's bytes (a Uint8Array)");
  const size_t n = bytes["length"].as<size_t>();
  if (n > kMaxFileBytes)
    return fail(fileName + ": is " + std::to_string(n >> 20) + " MB unpacked; the browser engine reads IDX files of up to " +
                std::to_string(kMaxFileBytes >> 20) + " MB (full MNIST's training images are 47 MB). "
                "Use the command-line digitrain for larger sets.");
  std::vector<uint8_t> out(n);
  if (n) {
    // The view is made after the allocation: allocating may grow (and so replace) the heap.
    val view(emscripten::typed_memory_view(n, out.data()));
    view.call<void>("set", bytes);
  }
  return out;
}

template <class T>
val copyToJs(const char* arrayType, const T* data, size_t n) {
  val out = val::global(arrayType).new_(n);
  if (n) out.call<void>("set", val(emscripten::typed_memory_view(n, data)));
  return out;
}

val emptyBytes() { return val::global("Uint8Array").new_(0); }

json histogramOf(const std::vector<uint8_t>& labels) {
  std::vector<int> h(kClasses, 0);
  for (uint8_t l : labels)
    if (l < kClasses) ++h[l];
  return h;
}

json confusionJson(const Evaluation& ev) {
  json rows = json::array();
  for (const auto& row : ev.confusion) rows.push_back(std::vector<int>(row.begin(), row.end()));
  return rows;
}

std::vector<int> layerSizes(const Network& net) {
  std::vector<int> sizes;
  if (!net.layers.empty()) sizes.push_back(net.inputs());
  for (const auto& l : net.layers) sizes.push_back(l.outputs());
  return sizes;
}

// A TrainConfig describing a network loaded from a file without its settings.
TrainConfig configForNetwork(const Network& net) {
  TrainConfig c;
  c.preset.clear();
  c.layers = layerSizes(net);
  if (net.layers.size() > 1) c.hidden = net.layers.front().activation;
  c.output = net.layers.back().activation;
  c.loss = net.loss;
  c.bias = net.layers.front().hasBias();
  return c;
}

Expected<std::vector<double>> numbersFromJson(const std::string& text, const char* what) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return fail(std::string("the ") + what + " is not valid JSON: " + json_detail::parseErrorText(e));
  }
  if (doc.is_object() && doc.contains(what)) doc = doc[what];
  if (doc.is_number()) doc = json::array({doc});
  if (!doc.is_array()) return fail(std::string("the ") + what + " must be an array of numbers");
  std::vector<double> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    if (!doc[i].is_number())
      return fail(std::string("the ") + what + "[" + std::to_string(i) + "] is " + json_detail::shortText(doc[i]) +
                  ", not a number");
    out.push_back(doc[i].get<double>());
  }
  return out;
}

class Session {
 public:
  Session() = default;
  ~Session() { dropTrainer(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  std::string describeIdx(const std::string& fileName, const val& bytesJs) {
    return guarded("describeIdx", [&] {
      auto read = bytesFromJs(bytesJs, fileName);
      if (!read) return errorJson(read.error());
      const std::vector<uint8_t>& bytes = read.value();
      if (isGzip(bytes.data(), bytes.size()))
        return errorJson(fileName + ": is gzip-compressed; unpack it before handing it to the engine");
      auto parsed = parseIdx(bytes.data(), bytes.size(), fileName, browserIdxLimits());
      if (!parsed) return errorJson(parsed.error());
      const IdxArray& a = parsed.value();
      json out;
      out["type"] = name(a.type);
      out["dims"] = a.dims;
      out["count"] = a.dims.empty() ? 0 : a.dims[0];
      std::string kind = "other";
      if (a.dims.size() == 3) {
        kind = "images";
      } else if (a.dims.size() == 1 || (a.dims.size() == 2 && a.dims[1] == 1)) {
        // Labels when every value is a digit; the histogram lets a person spot a wrong file.
        std::vector<int> h(kClasses, 0);
        bool digits = true;
        const uint64_t n = a.count();
        for (uint64_t i = 0; i < n && digits; ++i) {
          const double v = a.at(static_cast<size_t>(i));
          if (v >= 0 && v <= 9 && v == std::floor(v)) ++h[static_cast<int>(v)];
          else digits = false;
        }
        if (digits) {
          kind = "labels";
          out["histogram"] = h;
        }
      }
      out["kind"] = kind;
      if (kind == "images") {
        out["rows"] = a.dims[1];
        out["cols"] = a.dims[2];
      }
      return okJson(out);
    });
  }

  std::string setDataset(const std::string& slot, const std::string& imagesName, const val& imagesJs,
                         const std::string& labelsName, const val& labelsJs) {
    return guarded("setDataset", [&] {
      std::shared_ptr<const Dataset>* target = slotRef(slot);
      if (!target) return errorJson("unknown dataset slot \"" + slot + "\" (expected \"train\" or \"test\")");
      // One buffer at a time, each freed as soon as it is parsed: full MNIST is 47 MB per copy.
      auto parseOne = [](const val& js, const std::string& fileName) -> Expected<IdxArray> {
        auto read = bytesFromJs(js, fileName);
        if (!read) return fail(read.error());
        const std::vector<uint8_t>& bytes = read.value();
        if (isGzip(bytes.data(), bytes.size()))
          return fail(fileName + ": is gzip-compressed; unpack it before handing it to the engine");
        return parseIdx(bytes.data(), bytes.size(), fileName, browserIdxLimits());
      };
      auto images = parseOne(imagesJs, imagesName);
      if (!images) return errorJson(images.error());
      auto labels = parseOne(labelsJs, labelsName);
      if (!labels) return errorJson(labels.error());
      auto set = makeDataset(std::move(images.value()), imagesName, labels.value(), labelsName);
      if (!set) return errorJson(set.error());
      images = IdxArray{};
      labels = IdxArray{};
      auto shared = std::make_shared<const Dataset>(std::move(set.value()));
      *target = shared;
      json out;
      out["count"] = shared->count();
      out["rows"] = shared->rows;
      out["cols"] = shared->cols;
      out["histogram"] = histogramOf(shared->labels);
      return okJson(out);
    });
  }

  val sampleImages(const std::string& slot, int start, int count) {
    try {
      const Dataset* set = slotData(slot);
      if (!set || start < 0 || count <= 0 || static_cast<size_t>(start) >= set->count()) return emptyBytes();
      const size_t n = std::min<size_t>(count, set->count() - start);
      const size_t per = static_cast<size_t>(set->features());
      return copyToJs("Uint8Array", set->image(start), n * per);
    } catch (...) {
      return emptyBytes();
    }
  }

  val sampleLabels(const std::string& slot, int start, int count) {
    try {
      const Dataset* set = slotData(slot);
      if (!set || start < 0 || count <= 0 || static_cast<size_t>(start) >= set->count()) return emptyBytes();
      const size_t n = std::min<size_t>(count, set->count() - start);
      return copyToJs("Uint8Array", set->labels.data() + start, n);
    } catch (...) {
      return emptyBytes();
    }
  }

  std::string configure(const std::string& configJson, const std::string& startModelJson) {
    return guarded("configure", [&] {
      json patch = json::object();
      if (!configJson.empty()) {
        try {
          patch = json::parse(configJson);
        } catch (const json::exception& e) {
          return errorJson("the settings are not valid JSON: " + json_detail::parseErrorText(e));
        }
        if (!patch.is_object()) return errorJson("the settings must be a JSON object");
      }

      std::optional<Network> start;
      std::vector<EpochMetrics> history;
      TrainConfig base;
      if (!startModelJson.empty()) {
        auto model = modelFromJson(startModelJson, "the starting model");
        if (!model) return errorJson(model.error());
        base = model->config ? *model->config : configForNetwork(model->network);
        start = std::move(model->network);
        history = std::move(model->history);
      } else if (auto p = patch.find("preset"); p != patch.end() && p->is_string() && !p->get<std::string>().empty()) {
        // A patch naming a preset starts from that preset; a full config overrides it all.
        auto preset = presetConfig(p->get<std::string>());
        if (!preset) return errorJson(preset.error());
        base = preset.value();
      }
      auto config = applyConfigJson(base, patch);
      if (!config) return errorJson(config.error());
      TrainConfig cfg = config.value();

      // Dry run on one thread: every check Trainer::create makes, without touching the pool
      // or the current trainer, so a refused configuration leaves the session as it was.
      {
        TrainConfig probe = cfg;
        probe.threads = 1;
        auto check = Trainer::create(probe, train_, test_, start, history);
        if (!check) return errorJson(check.error());
      }

      // Threads: this module's pthread pool is shared by every session; the old trainer's
      // workers come back to it before the new one starts.
      json warnings = json::array();
      const int requested = cfg.threads;
      dropTrainer();
      const int available = 1 + std::max(0, poolWorkers() - g_workersInUse);
      if (cfg.threads > available) {
        cfg.threads = available;
        if (poolWorkers() == 0)
          warnings.push_back("threads: " + std::to_string(requested) +
                             " requested, but this build of the engine has no threads (the page is not "
                             "cross-origin isolated or the browser lacks WebAssembly threads): training on 1");
        else
          warnings.push_back("threads: " + std::to_string(requested) + " requested, clamped to " +
                             std::to_string(cfg.threads) + " (the engine's thread pool holds " +
                             std::to_string(maxThreadsValue()) + " threads" +
                             (g_workersInUse ? ", some used by another session" : "") + ")");
      }
      auto created = Trainer::create(cfg, train_, test_, std::move(start), std::move(history));
      if (!created) return errorJson(created.error());
      trainer_ = std::move(created.value());
      trainerWorkers_ = cfg.threads - 1;
      g_workersInUse += trainerWorkers_;
      imported_.reset();
      lastConfig_ = cfg;

      json out;
      out["config"] = configToJson(cfg);
      out["train_count"] = trainer_->count(Split::Train);
      out["validation_count"] = trainer_->count(Split::Validation);
      out["test_count"] = trainer_->count(Split::Test);
      out["batches_per_epoch"] = trainer_->batchesPerEpoch();
      out["epoch"] = trainer_->epoch();
      out["finished"] = trainer_->finished();
      out["threads"] = {{"requested", requested}, {"used", cfg.threads}, {"max", maxThreadsValue()}};
      out["warnings"] = warnings;
      return okJson(out);
    });
  }

  std::string train(int maxBatches) {
    return guarded("train", [&] {
      if (!trainer_) return errorJson("not configured: call configure() before train()");
      StepResult r = trainer_->train(std::max(0, maxBatches));
      json out;
      out["batches"] = r.batches;
      out["batch_losses"] = r.batchLosses;
      json epochs = json::array();
      for (const auto& m : r.epochs) epochs.push_back(metricsToJson(m));
      out["epochs"] = epochs;
      out["finished"] = r.finished;
      out["diverged"] = r.diverged.empty() ? json(nullptr) : json(r.diverged);
      out["warning"] = r.warning.empty() ? json(nullptr) : json(r.warning);
      out["epoch"] = trainer_->epoch();
      out["batch_in_epoch"] = trainer_->batchInEpoch();
      out["batches_per_epoch"] = trainer_->batchesPerEpoch();
      out["learning_rate"] = trainer_->learningRate();
      return okJson(out);
    });
  }

  std::string evaluate(const std::string& splitName, bool keepPredictions) {
    return guarded("evaluate", [&] {
      Split split;
      if (splitName == "train") split = Split::Train;
      else if (splitName == "validation") split = Split::Validation;
      else if (splitName == "test") split = Split::Test;
      else return errorJson("unknown split \"" + splitName + "\" (expected \"train\", \"validation\" or \"test\")");

      Evaluation ev;
      int outputs = 0;
      if (trainer_) {
        ev = trainer_->evaluate(split, keepPredictions);
        outputs = trainer_->network().outputs();
      } else if (imported_) {
        // A loaded model without a run: the whole train or test slot.
        if (split == Split::Validation)
          return errorJson("no validation split: it is defined by a training run (configure first)");
        const Dataset* set = split == Split::Train ? train_.get() : test_.get();
        if (!set || set->count() == 0)
          return errorJson(std::string("no ") + (split == Split::Train ? "training" : "test") + " data loaded");
        const Network& net = imported_->network;
        if (set->features() != net.inputs())
          return errorJson("the model has " + std::to_string(net.inputs()) + " inputs but the images are " +
                           std::to_string(set->rows) + "×" + std::to_string(set->cols));
        ev = digitrain::evaluate(net, *set, 0, set->count(), keepPredictions);
        outputs = net.outputs();
      } else {
        return errorJson("no model: configure a run or import a model first");
      }
      json out;
      out["split"] = splitName;
      out["count"] = ev.count;
      out["loss"] = ev.loss;
      out["error"] = ev.error;
      out["confusion"] = confusionJson(ev);
      if (keepPredictions) {
        out["predicted"] = ev.predicted;
        out["outputs"] = outputs;
        out["probabilities"] = ev.probabilities;
      }
      return okJson(out);
    });
  }

  std::string predict(const val& pixelsJs) {
    return guarded("predict", [&] {
      const Network* net = network();
      if (!net) return errorJson("no model: configure a run or import a model first");
      if (!pixelsJs["length"].isNumber()) return errorJson("predict: expected a Float32Array of pixels");
      const size_t n = pixelsJs["length"].as<size_t>();
      if (n != static_cast<size_t>(net->inputs()))
        return errorJson("predict: got " + std::to_string(n) + " values but the model has " +
                         std::to_string(net->inputs()) + " inputs");
      Workspace<Scalar> ws;
      ws.resize(*net, 1, false);
      std::vector<float> pixels(n);
      val(emscripten::typed_memory_view(n, pixels.data())).call<void>("set", pixelsJs);
      for (size_t i = 0; i < n; ++i)
        if (!std::isfinite(pixels[i])) return errorJson("predict: pixel " + std::to_string(i) + " is not a number");
      ws.a[0].col(0) = Eigen::Map<const Vector>(pixels.data(), static_cast<Eigen::Index>(n));
      forward(*net, ws, 1);
      json activations = json::array();
      for (size_t l = 1; l < ws.a.size(); ++l) {
        const auto col = ws.a[l].col(0);
        activations.push_back(std::vector<float>(col.data(), col.data() + col.size()));
      }
      json out;
      out["probabilities"] = activations.back();
      const auto& o = ws.a.back();
      Eigen::Index k = 0;
      o.col(0).maxCoeff(&k);
      out["predicted"] = static_cast<int>(k);
      out["activations"] = std::move(activations);
      return okJson(out);
    });
  }

  std::string exportModel() {
    return guarded("exportModel", [&] {
      if (trainer_) {
        Model m;
        m.network = trainer_->network();
        m.config = trainer_->config();
        m.history = trainer_->history();
        if (train_) {
          m.inputRows = train_->rows;
          m.inputCols = train_->cols;
        }
        return modelToJson(m);
      }
      if (imported_) return modelToJson(*imported_);
      return errorJson("no model: configure a run or import a model first");
    });
  }

  std::string importModel(const std::string& text, const std::string& fileName) {
    return guarded("importModel", [&] {
      auto model = modelFromJson(text, fileName.empty() ? std::string("model.json") : fileName);
      if (!model) return errorJson(model.error());
      dropTrainer();
      imported_ = std::move(model.value());
      const Network& net = imported_->network;
      json out;
      out["layers"] = layerSizes(net);
      json activations = json::array();
      for (const auto& l : net.layers) activations.push_back(name(l.activation));
      out["activations"] = activations;
      out["loss"] = name(net.loss);
      out["bias"] = !net.layers.empty() && net.layers.front().hasBias();
      out["parameters"] = net.parameterCount();
      out["input"] = {{"rows", imported_->inputRows}, {"cols", imported_->inputCols}};
      out["config"] = imported_->config ? configToJson(*imported_->config) : json(nullptr);
      json history = json::array();
      for (const auto& m : imported_->history) history.push_back(metricsToJson(m));
      out["history"] = history;
      return okJson(out);
    });
  }

  val exportNpz() {
    try {
      const Network* net = network();
      if (!net) return emptyBytes();
      const std::vector<uint8_t> bytes = networkToNpz(*net);
      return copyToJs("Uint8Array", bytes.data(), bytes.size());
    } catch (...) {
      return emptyBytes();
    }
  }

  std::string inspect(const std::string& modelJson, const std::string& inputJson, const std::string& targetJson,
                      double learningRate) {
    return guarded("inspect", [&] {
      auto net = networkInDoublePrecision(modelJson, "the inspected model");
      if (!net) return errorJson(net.error());
      auto input = numbersFromJson(inputJson, "input");
      if (!input) return errorJson(input.error());
      auto target = numbersFromJson(targetJson, "target");
      if (!target) return errorJson(target.error());
      auto step = inspectStep(net.value(), input.value(), target.value(), learningRate);
      if (!step) return errorJson(step.error());
      return okJson(inspectionToJson(step.value()));
    });
  }

 private:
  std::shared_ptr<const Dataset>* slotRef(const std::string& slot) {
    if (slot == "train") return &train_;
    if (slot == "test") return &test_;
    return nullptr;
  }
  const Dataset* slotData(const std::string& slot) {
    auto* ref = slotRef(slot);
    return ref ? ref->get() : nullptr;
  }
  const Network* network() const {
    if (trainer_) return &trainer_->network();
    if (imported_) return &imported_->network;
    return nullptr;
  }
  void dropTrainer() {
    trainer_.reset();  // joins its worker threads, which go back to the pool
    g_workersInUse -= trainerWorkers_;
    trainerWorkers_ = 0;
  }

  std::shared_ptr<const Dataset> train_, test_;
  std::unique_ptr<Trainer> trainer_;
  int trainerWorkers_ = 0;
  std::optional<Model> imported_;  // the current network when there is no trainer
  std::optional<TrainConfig> lastConfig_;
};

std::string version() { return DIGITRAIN_VERSION; }

std::string presetsJson() {
  try {
    json out = json::array();
    for (const auto& p : presets())
      out.push_back({{"name", p.name}, {"source", p.source}, {"description", p.description},
                     {"config", configToJson(p.config)}});
    return dump(out);
  } catch (...) {
    return "[]";
  }
}

// The settings table as JSON (see settings.h); "[]" only if it could not be written at all.
std::string settingsSchemaText() {
  try {
    return settingsSchemaJson();
  } catch (...) {
    return "[]";
  }
}

int maxThreads() { return maxThreadsValue(); }

// Not part of engine.d.ts: memory figures for tests and diagnostics.
std::string memoryStats() {
  const struct mallinfo mi = mallinfo();
  json out;
  out["heap_bytes"] = static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0;
  out["allocated_bytes"] = static_cast<double>(mi.uordblks);
  out["arena_bytes"] = static_cast<double>(mi.arena);
  out["workers_in_use"] = g_workersInUse;
  return okJson(out);
}

}  // namespace
}  // namespace digitrain

EMSCRIPTEN_BINDINGS(digitrain) {
  // WebAssembly cannot ask the CPU for its cache sizes, so Eigen would block its matrix
  // products for a 16 KB L1; tell it the common desktop sizes instead.
  Eigen::setCpuCacheSizes(32 * 1024, 1024 * 1024, 8 * 1024 * 1024);
  using digitrain::Session;
  emscripten::class_<Session>("Session")
      .constructor<>()
      .function("describeIdx", &Session::describeIdx)
      .function("setDataset", &Session::setDataset)
      .function("sampleImages", &Session::sampleImages)
      .function("sampleLabels", &Session::sampleLabels)
      .function("configure", &Session::configure)
      .function("train", &Session::train)
      .function("evaluate", &Session::evaluate)
      .function("predict", &Session::predict)
      .function("exportModel", &Session::exportModel)
      .function("importModel", &Session::importModel)
      .function("exportNpz", &Session::exportNpz)
      .function("inspect", &Session::inspect);
  emscripten::function("version", &digitrain::version);
  emscripten::function("presets", &digitrain::presetsJson);
  emscripten::function("settingsSchema", &digitrain::settingsSchemaText);
  emscripten::function("maxThreads", &digitrain::maxThreads);
  emscripten::function("memoryStats", &digitrain::memoryStats);
}
