// `digitrain eval` and `digitrain predict`: a saved model applied to IDX images.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"
#include "parallel.h"
#include "session.h"
#include "trainer.h"

namespace digitrain::cli {
namespace {

constexpr const char* kEvalHelp =
    "usage: digitrain eval --model FILE --images FILE --labels FILE [--limit N] [--threads T] [--json]\n"
    "\n"
    "Error rate, mean loss and the 10×10 confusion matrix (rows: true digit, columns: predicted)\n"
    "of a model saved by `digitrain train --save` on a labelled IDX set (raw or gzipped).\n"
    "  --limit N     only the first N samples (0 = all)\n"
    "  --threads T   threads sharing the work (1..64)\n"
    "  --json        one JSON object: count, error, accuracy, loss, confusion\n";

constexpr const char* kPredictHelp =
    "usage: digitrain predict --model FILE --images FILE [--index I] [--labels FILE] [--json]\n"
    "\n"
    "The class probabilities a saved model gives image I (default 0) of an IDX images file,\n"
    "and the predicted digit.\n"
    "  --labels FILE  also show the true label\n"
    "  --json         one JSON object: index, predicted, probabilities (and label)\n";

// The float's shortest decimal as a double, so JSON shows 0.0071755690, not 0.00717556895688176.
// (snprintf rather than std::to_chars: some Emscripten libc++ versions lack it for float.)
double shortest(float f) {
  char buf[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, double(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return std::strtod(buf, nullptr);
}

std::string jsonLine(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

int runEval(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto parsed =
      parseCommand("eval", argv, flagList({"--model", "--images", "--labels", "--limit", "--threads"}, {"--json"}),
                   kEvalHelp, exitStatus);
  if (!parsed) return exitStatus;
  const Args& args = *parsed;
  std::string modelPath, imagesPath, labelsPath;
  if (Status s = args.required("--model", "FILE (a model saved by `digitrain train --save`)", modelPath); !s)
    return reportError(s.error());
  if (Status s = args.required("--images", "FILE (IDX images)", imagesPath); !s) return reportError(s.error());
  if (Status s = args.required("--labels", "FILE (IDX labels)", labelsPath); !s) return reportError(s.error());
  int limit = 0, threads = 1;
  if (Status s = args.read("--limit", limit); !s) return reportError(s.error());
  if (Status s = args.read("--threads", threads); !s) return reportError(s.error());
  if (limit < 0) return reportError("--limit must be 0 (all samples) or more");
  if (threads < 1 || threads > 64) return reportError("--threads must be between 1 and 64");

  auto model = loadModel(modelPath);
  if (!model) return reportError(model.error());
  auto set = loadDataset(imagesPath, labelsPath);
  if (!set) return reportError(set.error());
  std::unique_ptr<ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<ThreadPool>(threads);
  auto evaluated = evaluateModel(model->network, modelPath, **set, imagesPath, static_cast<size_t>(limit), false,
                                 pool.get(), modelCrop(*model));
  if (!evaluated) return reportError(evaluated.error());
  const Evaluation& ev = *evaluated;
  const size_t wrong = static_cast<size_t>(ev.error * double(ev.count) + 0.5);

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["model"] = modelPath;
    j["images"] = imagesPath;
    j["count"] = ev.count;
    j["wrong"] = wrong;
    j["error"] = ev.error;
    j["accuracy"] = 1.0 - ev.error;
    j["loss"] = ev.loss;
    j["loss_function"] = name(model->network.loss);
    j["confusion"] = ev.confusion;
    std::printf("%s\n", jsonLine(j).c_str());
    return kExitOk;
  }
  std::printf("%s on %s: %s samples\n", modelPath.c_str(), imagesPath.c_str(), thousands(double(ev.count)).c_str());
  std::printf("error %s (%s wrong), accuracy %s, %s loss %s\n", percent(ev.error).c_str(),
              thousands(double(wrong)).c_str(), percent(1.0 - ev.error).c_str(), name(model->network.loss),
              shortNumber(ev.loss, 5).c_str());
  std::printf("\nconfusion matrix (rows: true digit, columns: predicted digit)\n");
  std::printf("true\\pred");
  for (int p = 0; p < kClasses; ++p) std::printf(" %6d", p);
  std::printf("   error\n");
  for (int t = 0; t < kClasses; ++t) {
    std::printf("%9d", t);
    long total = 0;
    for (int p = 0; p < kClasses; ++p) {
      std::printf(" %6d", ev.confusion[t][p]);
      total += ev.confusion[t][p];
    }
    const double rowError = total ? 1.0 - double(ev.confusion[t][t]) / double(total) : 0;
    std::printf("  %6s\n", total ? percent(rowError, 1).c_str() : "-");
  }
  return kExitOk;
}

int runPredict(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto parsed = parseCommand(
      "predict", argv, flagList({"--model", "--images", "--labels", "--index"}, {"--json"}), kPredictHelp, exitStatus);
  if (!parsed) return exitStatus;
  const Args& args = *parsed;
  std::string modelPath, imagesPath;
  if (Status s = args.required("--model", "FILE (a model saved by `digitrain train --save`)", modelPath); !s)
    return reportError(s.error());
  if (Status s = args.required("--images", "FILE (IDX images)", imagesPath); !s) return reportError(s.error());
  long long index = 0;
  if (const auto v = args.get("--index")) {
    auto i = parseInteger("--index", *v, 0, 1LL << 40);
    if (!i) return reportError(i.error());
    index = *i;
  }

  auto model = loadModel(modelPath);
  if (!model) return reportError(model.error());
  const auto labelsPath = args.get("--labels");
  auto set = labelsPath ? loadDataset(imagesPath, *labelsPath) : loadImages(imagesPath);
  if (!set) return reportError(set.error());
  const Dataset& images = **set;
  if (Status s = checkModelReads(model->network, modelPath, images, imagesPath, modelCrop(*model)); !s)
    return reportError(s.error());
  if (static_cast<size_t>(index) >= images.count())
    return reportError("--index " + std::to_string(index) + ": " + imagesPath + " holds " +
                       std::to_string(images.count()) + " images (0 to " + std::to_string(images.count() - 1) + ")");

  std::vector<float> input(static_cast<size_t>(images.features()));
  const uint8_t* px = images.image(static_cast<size_t>(index));
  for (size_t i = 0; i < input.size(); ++i) input[i] = float(px[i]) / 255.0f;
  auto result = predictImage(model->network, modelCrop(*model), input, static_cast<uint64_t>(index));
  if (!result) return reportError(result.error());
  const Prediction& prediction = *result;
  const std::vector<float>& out = prediction.outputs();
  const int predicted = prediction.predicted;
  const bool softmax = model->network.layers.back().activation == Activation::Softmax;

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["index"] = index;
    j["predicted"] = predicted;
    if (labelsPath) j["label"] = images.labels[static_cast<size_t>(index)];
    std::vector<double> values;
    for (float p : out) values.push_back(shortest(p));
    j[softmax ? "probabilities" : "outputs"] = values;
    std::printf("%s\n", jsonLine(j).c_str());
    return kExitOk;
  }
  std::printf("image %lld of %s: predicted %d", index, imagesPath.c_str(), predicted);
  if (labelsPath) {
    const int label = images.labels[static_cast<size_t>(index)];
    std::printf(", label %d (%s)", label, label == predicted ? "right" : "wrong");
  }
  std::printf("\n%s\n", softmax ? "digit  probability" : "unit   output");
  for (size_t k = 0; k < out.size(); ++k) {
    const int bar = softmax ? static_cast<int>(std::clamp(out[k], 0.0f, 1.0f) * 40.0f + 0.5f) : 0;
    std::printf("%5zu  %11.6f  %s%s\n", k, double(out[k]), std::string(static_cast<size_t>(bar), '#').c_str(),
                static_cast<int>(k) == predicted ? "  <" : "");
  }
  return kExitOk;
}

}  // namespace digitrain::cli
