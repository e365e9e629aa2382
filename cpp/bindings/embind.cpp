// The engine's WebAssembly API (web/core/engine.d.ts), bound with Embind: adapters only.
// What a call does is the core's Session (cpp/core/session.h); here JS bytes become vectors,
// its results become the JSON engine.d.ts describes, and nothing escapes as an exception.
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
#include <cstdint>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config_json.h"
#include "dataset.h"
#include "idx.h"
#include "inspector.h"
#include "model_io.h"
#include "presets.h"
#include "session.h"
#include "settings.h"

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
// first join hang forever, so every trainer's worker threads are counted against it (by the
// ThreadBudget below).
EM_JS(int, digitrain_pool_size, (), { return Module['pthreadPoolSize'] | 0; });
#endif

int poolWorkers() {
#ifdef __EMSCRIPTEN_PTHREADS__
  return std::max(0, digitrain_pool_size());
#else
  return 0;
#endif
}

// The pool's workers, shared by every Session of this module.
ThreadBudget& threadBudget() {
  static ThreadBudget budget(poolWorkers());
  return budget;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string okJson(json j) {
  j["ok"] = true;
  return dump(j);
}

std::string errorJson(const std::string& message) { return dump(json{{"ok", false}, {"error", message}}); }

// Runs `body`, turning anything it throws into {"ok":false}.
template <class F>
std::string guarded(const char* what, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return errorJson(std::string(what) +
                     ": out of memory (the engine's memory is full; "
                     "load fewer samples or reload the page)");
  } catch (const std::exception& e) {
    return errorJson(std::string(what) + ": internal error: " + e.what());
  } catch (...) {
    return errorJson(std::string(what) + ": internal error");
  }
}

// The answer of a call whose result `toJson` turns into the JSON the page reads.
template <class T, class F>
std::string answer(const Expected<T>& result, F&& toJson) {
  if (!result) return errorJson(result.error());
  return okJson(toJson(result.value()));
}

// The largest IDX file the browser engine takes, unpacked: full MNIST's training images are
// 47 MB. Loading one holds a copy beside the dataset it replaces, and a browser tab may not
// get much more memory than that. Checked on the JS array's length, before anything is allocated.
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
  if (bytes.instanceof (val::global("ArrayBuffer"))) bytes = val::global("Uint8Array").new_(input);
  if (!bytes["length"].isNumber()) return fail(fileName + ": expected the file's bytes (a Uint8Array)");
  const size_t n = bytes["length"].as<size_t>();
  if (n > kMaxFileBytes)
    return fail(fileName + ": is " + std::to_string(n >> 20) +
                " MB unpacked; the browser engine reads IDX files of up to " + std::to_string(kMaxFileBytes >> 20) +
                " MB (full MNIST's training images are 47 MB). "
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

// A typed array (or array) of numbers from JavaScript, copied in one call.
std::vector<float> floatsFromJs(const val& array) {
  std::vector<float> out(array["length"].as<size_t>());
  if (!out.empty()) val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", array);
  return out;
}

val emptyBytes() { return val::global("Uint8Array").new_(0); }

json confusionJson(const Evaluation& ev) {
  json rows = json::array();
  for (const auto& row : ev.confusion) rows.push_back(std::vector<int>(row.begin(), row.end()));
  return rows;
}

json nullIfEmpty(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

// The engine's Session (cpp/core/session.h) as engine.d.ts declares it.
class JsSession {
 public:
  JsSession() : session_(threadBudget(), browserIdxLimits()) {}

  std::string describeIdx(const std::string& fileName, const val& bytesJs) {
    return guarded("describeIdx", [&] {
      auto bytes = bytesFromJs(bytesJs, fileName);
      if (!bytes) return errorJson(bytes.error());
      return answer(session_.describe(fileName, *bytes), [](const FileDescription& d) {
        json out;
        out["type"] = name(d.type);
        out["dims"] = d.dims;
        out["count"] = d.dims.empty() ? 0 : d.dims[0];
        out["kind"] = name(d.summary.role);
        out["labels_shape"] = isLabelsShape(d.dims);
        if (d.summary.role == FileRole::Labels) out["histogram"] = d.summary.histogram;
        if (d.summary.role == FileRole::Images) {
          out["rows"] = d.dims[1];
          out["cols"] = d.dims[2];
        }
        return out;
      });
    });
  }

  std::string setDataset(const std::string& slotName, const std::string& imagesName, const val& imagesJs,
                         const std::string& labelsName, const val& labelsJs) {
    return guarded("setDataset", [&] {
      auto slot = parseSlot(slotName);
      if (!slot) return errorJson(slot.error());
      const NamedSource images{imagesName, [&] { return bytesFromJs(imagesJs, imagesName); }};
      const NamedSource labels{labelsName, [&] { return bytesFromJs(labelsJs, labelsName); }};
      return answer(session_.setDataset(*slot, images, labels), [](const DatasetInfo& info) {
        return json{{"count", info.count}, {"rows", info.rows}, {"cols", info.cols}, {"histogram", info.histogram}};
      });
    });
  }

  std::string clearSlot(const std::string& slotName) {
    return guarded("clearSlot", [&] {
      auto slot = parseSlot(slotName);
      if (!slot) return errorJson(slot.error());
      return okJson(json{{"has_model", session_.clearSlot(*slot)}});
    });
  }

  val sampleImages(const std::string& slotName, int start, int count) {
    try {
      auto slot = parseSlot(slotName);
      if (!slot) return emptyBytes();
      const SampleView v = session_.samples(*slot, start, count);
      return v.count ? copyToJs("Uint8Array", v.images, v.count * v.imageBytes) : emptyBytes();
    } catch (...) {
      return emptyBytes();
    }
  }

  val sampleLabels(const std::string& slotName, int start, int count) {
    try {
      auto slot = parseSlot(slotName);
      if (!slot) return emptyBytes();
      const SampleView v = session_.samples(*slot, start, count);
      return v.count ? copyToJs("Uint8Array", v.labels, v.count) : emptyBytes();
    } catch (...) {
      return emptyBytes();
    }
  }

  // An object, not JSON text, so the bytes come back as one fresh copy:
  // {ok: true, count, variants, rows, cols, images} or {ok: false, error}.
  val augmentPreview(const std::string& settingsJson, int start, int count, int epoch, int variants) {
    val out = val::object();
    try {
      auto preview = session_.augmentPreview(settingsJson, start, count, epoch, variants);
      out.set("ok", preview.ok());
      if (!preview) {
        out.set("error", preview.error());
        return out;
      }
      out.set("count", static_cast<double>(preview->count));
      out.set("variants", preview->variants);
      out.set("rows", preview->rows);
      out.set("cols", preview->cols);
      out.set("images", copyToJs("Uint8Array", preview->images.data(), preview->images.size()));
    } catch (const std::exception& e) {
      out.set("ok", false);
      out.set("error", std::string("augmentPreview: internal error: ") + e.what());
    }
    return out;
  }

  std::string configure(const std::string& configJson, const std::string& startModelJson) {
    return guarded("configure", [&] {
      return answer(session_.configure(configJson, startModelJson), [](const RunInfo& run) {
        json out;
        out["config"] = configToJson(run.config);
        out["train_count"] = run.trainCount;
        out["validation_count"] = run.validationCount;
        out["test_count"] = run.testCount;
        out["batches_per_epoch"] = run.batchesPerEpoch;
        out["epoch"] = run.epoch;
        out["finished"] = run.finished;
        out["threads"] = {{"requested", run.threadsRequested},
                          {"used", run.threadsUsed},
                          {"max", run.threadsMax},
                          {"reason", run.threadsReason}};
        out["warnings"] = run.warnings;
        return out;
      });
    });
  }

  // The batch losses stay out of the JSON: for batch-1 presets a call trains thousands of
  // batches, and a number printed and parsed per batch (with the json array's allocations)
  // cost a sizeable share of a ~10 µs step. batchLosses() copies them out as one typed array.
  std::string train(int maxBatches) {
    lastLosses_.clear();
    return guarded("train", [&] {
      return answer(session_.train(maxBatches), [&](const TrainReport& r) {
        lastLosses_ = r.step.batchLosses;
        json out;
        out["batches"] = r.step.batches;
        json epochs = json::array();
        for (const auto& m : r.step.epochs) epochs.push_back(metricsToJson(m));
        out["epochs"] = epochs;
        out["finished"] = r.step.finished;
        out["diverged"] = nullIfEmpty(r.step.diverged);
        out["warning"] = nullIfEmpty(r.step.warning);
        // `auto` moved to another thread count during the call: the count now, why, and the
        // first batch trained at it (epoch and batch counted from 1), and the CLI's line for it.
        if (r.step.threadChanges.empty()) out["threads"] = nullptr;
        else {
          const auto& c = r.step.threadChanges.back();
          out["threads"] = {
              {"used", c.threads}, {"reason", c.reason}, {"epoch", c.epoch}, {"batch", c.batch}, {"text", c.text()}};
        }
        out["epoch"] = r.epoch;
        out["batch_in_epoch"] = r.batchInEpoch;
        out["batches_per_epoch"] = r.batchesPerEpoch;
        out["learning_rate"] = r.learningRate;
        return out;
      });
    });
  }

  // The last train call's batch losses (NaN stays NaN, which JSON could not carry).
  val batchLosses() const { return copyToJs("Float32Array", lastLosses_.data(), lastLosses_.size()); }

  std::string evaluate(const std::string& splitName, bool keepPredictions) {
    return guarded("evaluate", [&] {
      auto split = parseSplit(splitName);
      if (!split) return errorJson(split.error());
      return answer(session_.evaluate(*split, keepPredictions), [&](const SplitEvaluation& r) {
        const Evaluation& ev = r.evaluation;
        json out;
        out["split"] = splitName;
        out["count"] = ev.count;
        out["loss"] = ev.loss;
        out["error"] = ev.error;
        out["confusion"] = confusionJson(ev);
        if (keepPredictions) {
          out["predicted"] = ev.predicted;
          out["outputs"] = r.outputs;
          out["probabilities"] = ev.probabilities;
        }
        return out;
      });
    });
  }

  std::string predict(const val& pixelsJs) {
    return guarded("predict", [&] {
      if (!pixelsJs["length"].isNumber()) return errorJson("predict: expected a Float32Array of pixels");
      return answer(session_.predict(floatsFromJs(pixelsJs)), [](const Prediction& p) {
        json out;
        out["probabilities"] = p.outputs();
        out["predicted"] = p.predicted;
        out["activations"] = p.activations;
        return out;
      });
    });
  }

  // An object, not JSON text, so each map comes back as one Float32Array: {ok: true, layers:
  // [{layer: "conv5x8", kind: "conv" | "pool", rows, cols, channels, values}]} (values HWC), or
  // {ok: false, error}.
  val featureMaps(const val& pixelsJs) {
    val out = val::object();
    try {
      if (!pixelsJs["length"].isNumber()) {
        out.set("ok", false);
        out.set("error", std::string("featureMaps: expected a Float32Array of pixels"));
        return out;
      }
      auto maps = session_.featureMaps(floatsFromJs(pixelsJs));
      out.set("ok", maps.ok());
      if (!maps) {
        out.set("error", maps.error());
        return out;
      }
      val layers = val::array();
      for (const FeatureMap& m : *maps) {
        val layer = val::object();
        layer.set("layer", frontToken(m.spec));
        layer.set("kind", std::string(m.spec.kind == FrontKind::Conv ? "conv" : "pool"));
        layer.set("rows", m.shape.h);
        layer.set("cols", m.shape.w);
        layer.set("channels", m.shape.c);
        layer.set("values", copyToJs("Float32Array", m.values.data(), m.values.size()));
        layers.call<void>("push", layer);
      }
      out.set("layers", layers);
    } catch (const std::exception& e) {
      out.set("ok", false);
      out.set("error", std::string("featureMaps: internal error: ") + e.what());
    }
    return out;
  }

  std::string exportModel() {
    return guarded("exportModel", [&] {
      auto model = session_.exportModel();
      return model ? modelToJson(*model) : errorJson(model.error());
    });
  }

  std::string importModel(const std::string& text, const std::string& fileName) {
    return guarded("importModel", [&] {
      return answer(session_.importModel(text, fileName), [](const Model* model) {
        const Network& net = model->network;
        json out;
        // As the layers setting writes them, so a convnet lists its conv/pool layers by name.
        out["layers"] = configToJson(configForNetwork(net)).at("layers");
        json activations = json::array();
        for (const auto& l : net.layers) activations.push_back(name(l.activation));
        out["activations"] = activations;
        out["loss"] = name(net.loss);
        out["bias"] = !net.layers.empty() && net.layers.front().hasBias();
        out["parameters"] = net.parameterCount();
        out["input"] = {{"rows", model->inputRows}, {"cols", model->inputCols}};
        out["config"] = model->config ? configToJson(*model->config) : json(nullptr);
        json history = json::array();
        for (const auto& m : model->history) history.push_back(metricsToJson(m));
        out["history"] = history;
        return out;
      });
    });
  }

  val exportNpz() {
    try {
      auto bytes = session_.exportNpz();
      return bytes ? copyToJs("Uint8Array", bytes->data(), bytes->size()) : emptyBytes();
    } catch (...) {
      return emptyBytes();
    }
  }

  std::string inspect(const std::string& modelJson, const std::string& inputJson, const std::string& targetJson,
                      double learningRate) {
    return guarded("inspect", [&] {
      return answer(inspectModel(modelJson, inputJson, targetJson, learningRate), inspectionToJson);
    });
  }

 private:
  Session session_;
  std::vector<float> lastLosses_;  // of the last train call, for batchLosses()
};

std::string version() { return DIGITRAIN_VERSION; }

std::string presetsJson() {
  try {
    json out = json::array();
    for (const auto& p : presets())
      out.push_back(
          {{"name", p.name}, {"source", p.source}, {"description", p.description}, {"config", configToJson(p.config)}});
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

int maxThreads() { return threadBudget().maxThreads(); }

// Not part of engine.d.ts: memory figures for tests and diagnostics.
std::string memoryStats() {
  const struct mallinfo mi = mallinfo();
  json out;
  out["heap_bytes"] = static_cast<double>(__builtin_wasm_memory_size(0)) * 65536.0;
  out["allocated_bytes"] = static_cast<double>(mi.uordblks);
  out["arena_bytes"] = static_cast<double>(mi.arena);
  out["workers_in_use"] = threadBudget().workersInUse();
  return okJson(out);
}

}  // namespace
}  // namespace digitrain

EMSCRIPTEN_BINDINGS(digitrain) {
  // WebAssembly cannot ask the CPU for its cache sizes, so Eigen would block its matrix
  // products for a 16 KB L1; tell it the common desktop sizes instead.
  Eigen::setCpuCacheSizes(32 * 1024, 1024 * 1024, 8 * 1024 * 1024);
  using Session = digitrain::JsSession;
  emscripten::class_<Session>("Session")
      .constructor<>()
      .function("describeIdx", &Session::describeIdx)
      .function("setDataset", &Session::setDataset)
      .function("clearSlot", &Session::clearSlot)
      .function("sampleImages", &Session::sampleImages)
      .function("sampleLabels", &Session::sampleLabels)
      .function("augmentPreview", &Session::augmentPreview)
      .function("configure", &Session::configure)
      .function("train", &Session::train)
      .function("batchLosses", &Session::batchLosses)
      .function("evaluate", &Session::evaluate)
      .function("predict", &Session::predict)
      .function("featureMaps", &Session::featureMaps)
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
