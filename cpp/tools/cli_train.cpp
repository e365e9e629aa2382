// `digitrain train`: a preset's settings, overridden flag by flag, trained in short chunks
// so the progress bar moves, one line (or one JSON object) per epoch.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"
#include "cli_settings.h"
#include "config_json.h"
#include "crop.h"
#include "npz.h"
#include "presets.h"
#include "trainer.h"

namespace digitrain::cli {
namespace {

std::string help() {
  return "usage: digitrain train --train-images FILE --train-labels FILE [flags]\n"
         "\n"
         "Trains a network, starting from a preset's settings (default: tp); every setting flag\n"
         "overrides one setting. IDX files may be raw or gzipped.\n"
         "\n"
         "data:\n"
         "  --train-images FILE, --train-labels FILE   training set (required)\n"
         "  --test-images FILE,  --test-labels FILE    test set, evaluated after every epoch\n"
         "settings (`digitrain settings` lists them with their keys, defaults and presets):\n"
         "  --config FILE             apply a JSON object of settings (model-file keys) after the preset\n" +
         settingsHelp() +
         "output:\n"
         "  --save FILE           write the model (weights, settings, history) as JSON\n"
         "  --save-npz FILE       write the weights as a NumPy .npz (w1, b1, w2, ...)\n"
         "  --json                exactly one JSON object per epoch on stdout, nothing else\n"
         "\n"
         "A progress bar is drawn on stderr when it is a terminal. If training diverges (NaN or\n"
         "infinity) it prints `stopped: ...` on stderr, saves the last finite weights when asked\n"
         "to, and exits with status 3. Ctrl-C stops after the current batch, saves, exits 130.\n";
}

const std::vector<FlagSpec>& flags() {
  static const std::vector<FlagSpec> list = [] {
    std::vector<FlagSpec> out{{"--train-images", true},
                              {"--train-labels", true},
                              {"--test-images", true},
                              {"--test-labels", true},
                              {"--config", true}};
    for (const FlagSpec& f : settingFlags()) out.push_back(f);
    for (const FlagSpec& f : std::vector<FlagSpec>{{"--save", true}, {"--save-npz", true}, {"--json", false}})
      out.push_back(f);
    return out;
  }();
  return list;
}

// The preset, then --config, then each setting flag.
Expected<TrainConfig> buildConfig(const Args& args) {
  const std::string presetName = args.get("--preset").value_or("tp");
  auto preset = presetConfig(presetName);
  if (!preset) return fail(preset.error());
  TrainConfig c = *preset;

  if (const auto file = args.get("--config")) {
    auto text = readText(*file);
    if (!text) return fail("--config " + text.error());
    auto patched = applyConfigJsonText(c, *text);
    if (!patched) return fail("--config " + *file + ": " + patched.error());
    c = *patched;
  }
  if (Status s = applySettingFlags(args, c); !s) return fail(s.error());
  return c;
}

volatile std::sig_atomic_t gInterrupted = 0;

extern "C" void onInterrupt(int) {
  gInterrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void draw(int epoch, int epochs, int batch, int batches, double loss, double samplesPerSecond) {
    if (!enabled_) return;
    constexpr int kWidth = 30;
    const double done = batches ? double(batch) / double(batches) : 0;
    const int filled = static_cast<int>(done * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r\033[K  epoch %d/%d [%s] %3.0f%%  loss %.4f  %s samples/s", epoch, epochs, bar.c_str(),
                 done * 100, loss, thousands(samplesPerSecond).c_str());
    std::fflush(stderr);
    visible_ = true;
  }
  void clear() {
    if (!visible_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    visible_ = false;
  }

 private:
  bool enabled_;
  bool visible_ = false;
};

std::string fixed(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", x);
  return buf;
}

void printEpoch(const EpochMetrics& m, int epochs, bool json) {
  if (json) {
    std::printf("%s\n", metricsToJson(m).dump().c_str());
  } else {
    const int width = static_cast<int>(std::to_string(epochs).size());
    std::string line = "epoch " + std::string(width - std::to_string(m.epoch).size(), ' ') + std::to_string(m.epoch) +
                       "/" + std::to_string(epochs) + "  loss " + fixed(m.trainLoss) + "  train " +
                       percent(m.trainError);
    if (m.validationError) line += "  validation " + percent(*m.validationError);
    if (m.testError) line += "  test " + percent(*m.testError);
    char tail[96];
    std::snprintf(tail, sizeof tail, "  lr %s  %.2f s  %s samples/s", shortNumber(m.learningRate).c_str(), m.seconds,
                  thousands(m.samplesPerSecond).c_str());
    std::printf("%s%s\n", line.c_str(), tail);
  }
  std::fflush(stdout);
}

void printHeader(const TrainConfig& c, const Trainer& t, bool hasTest) {
  std::printf("preset %s: %s, %s hidden, %s output, %s loss, %s, %s init\n",
              c.preset.empty() ? "(none)" : c.preset.c_str(), layerText(c).c_str(), name(c.hidden), name(c.output),
              name(c.loss), c.bias ? "biases" : "no biases", name(c.init));
  std::string batch = c.batchSize == 0 ? std::string("full batch") : "batch " + std::to_string(c.batchSize);
  std::printf("%s, lr %s, %s (%s), %d epochs, seed %llu, %s\n", name(c.optimizer), shortNumber(c.learningRate).c_str(),
              batch.c_str(), name(c.reduction), c.epochs, static_cast<unsigned long long>(c.seed),
              t.threadsReason().c_str());
  std::string data = "data: " + thousands(double(t.count(Split::Train))) + " training samples";
  if (t.count(Split::Validation)) data += ", " + thousands(double(t.count(Split::Validation))) + " validation";
  if (hasTest) data += ", " + thousands(double(t.count(Split::Test))) + " test";
  std::printf("%s\n", data.c_str());
  std::fflush(stdout);
}

Status saveOutputs(const Args& args, const Trainer& trainer, const Dataset& train, bool json) {
  if (const auto path = args.get("--save")) {
    Model model;
    model.network = trainer.network();
    model.config = trainer.config();
    model.history = trainer.history();
    model.inputRows = networkSide(model.config->crop, train.rows);
    model.inputCols = networkSide(model.config->crop, train.cols);
    const std::string text = modelToJson(model);
    if (Status s = writeFile(*path, text.data(), text.size()); !s) return s;
    if (!json) std::printf("saved the model to %s\n", path->c_str());
  }
  if (const auto path = args.get("--save-npz")) {
    const std::vector<uint8_t> bytes = networkToNpz(trainer.network());
    if (Status s = writeFile(*path, bytes.data(), bytes.size()); !s) return s;
    if (!json) std::printf("saved the weights to %s\n", path->c_str());
  }
  std::fflush(stdout);
  return Ok{};
}

}  // namespace

int runTrain(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto parsed = parseCommand("train", argv, flags(), help(), exitStatus);
  if (!parsed) return exitStatus;
  const Args& args = *parsed;
  const bool json = args.has("--json");

  std::string trainImages, trainLabels;
  if (Status s = args.required("--train-images", "FILE (the training images, IDX)", trainImages); !s)
    return reportError(s.error());
  if (Status s = args.required("--train-labels", "FILE (the training labels, IDX)", trainLabels); !s)
    return reportError(s.error());
  if (args.has("--test-images") != args.has("--test-labels"))
    return reportError(args.has("--test-images") ? "--test-images needs --test-labels too"
                                                 : "--test-labels needs --test-images too");

  auto config = buildConfig(args);
  if (!config) return reportError(config.error());
  for (const char* flag : {"--save", "--save-npz"})
    if (const auto path = args.get(flag))
      if (Status s = checkWritable(flag, *path); !s) return reportError(s.error());

  auto train = loadDataset(trainImages, trainLabels);
  if (!train) return reportError(train.error());
  std::shared_ptr<const Dataset> test;
  if (args.has("--test-images")) {
    auto loaded = loadDataset(*args.get("--test-images"), *args.get("--test-labels"));
    if (!loaded) return reportError(loaded.error());
    test = *loaded;
  }

  auto created = Trainer::create(*config, *train, test);
  if (!created) return reportError(created.error());
  Trainer& trainer = **created;
  if (!trainer.splitNote().empty()) std::fprintf(stderr, "warning: %s\n", trainer.splitNote().c_str());
  if (!json) printHeader(*config, trainer, test != nullptr);

  gInterrupted = 0;
  auto previous = std::signal(SIGINT, onInterrupt);
  ProgressBar bar(stderrIsTerminal());
  using Clock = std::chrono::steady_clock;
  int chunk = 1;
  // The bar's figures: the mean batch loss and the speed so far in this epoch.
  double epochLoss = 0, epochSeconds = 0;
  long epochBatches = 0;
  const size_t trainCount = trainer.count(Split::Train);
  const double batchSize =
      double(config->batchSize == 0 ? trainCount : std::min<size_t>(config->batchSize, trainCount));
  std::string stopped;
  int status = kExitOk;
  while (!trainer.finished()) {
    if (gInterrupted) {
      status = kExitInterrupted;
      stopped = "interrupted during epoch " + std::to_string(trainer.epoch() + 1) + " at batch " +
                std::to_string(trainer.batchInEpoch()) + " of " + std::to_string(trainer.batchesPerEpoch());
      break;
    }
    const int left = trainer.batchesPerEpoch() - trainer.batchInEpoch();
    const int k = std::max(1, std::min(chunk, left));
    const auto t0 = Clock::now();
    StepResult r = trainer.train(k);
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (r.epochs.empty() && r.batches > 0) {
      // Aim for about ten updates a second, whatever a batch costs.
      const double perBatch = dt / r.batches;
      chunk = static_cast<int>(std::clamp(0.1 / std::max(perBatch, 1e-9), 1.0, 1e6));
      for (float l : r.batchLosses) epochLoss += l;
      epochBatches += r.batches;
      epochSeconds += dt;
    }
    for (const EpochMetrics& m : r.epochs) {
      bar.clear();
      printEpoch(m, config->epochs, json);
      epochLoss = epochSeconds = 0;
      epochBatches = 0;
    }
    for (const StepResult::ThreadChange& c : r.threadChanges) {
      // `auto` re-measured while training; stderr under --json, which keeps stdout to epochs.
      bar.clear();
      std::fprintf(json ? stderr : stdout, "%s\n", c.text().c_str());
    }
    if (!r.warning.empty()) {
      bar.clear();
      std::fprintf(stderr, "warning: %s\n", r.warning.c_str());  // stderr: --json keeps stdout clean
    }
    if (!r.diverged.empty()) {
      status = kExitDiverged;
      stopped = r.diverged;
      break;
    }
    if (!trainer.finished() && epochBatches > 0) {
      const double samples = double(epochBatches) * batchSize;
      bar.draw(trainer.epoch() + 1, config->epochs, trainer.batchInEpoch(), trainer.batchesPerEpoch(),
               epochLoss / double(epochBatches), epochSeconds > 0 ? samples / epochSeconds : 0);
    }
  }
  bar.clear();
  std::signal(SIGINT, previous == SIG_ERR ? SIG_DFL : previous);

  if (!stopped.empty()) {
    std::fflush(stdout);
    std::fprintf(stderr, "stopped: %s\n", stopped.c_str());
  }
  if (Status s = saveOutputs(args, trainer, **train, json); !s) return reportError(s.error());
  return status;
}

}  // namespace digitrain::cli
