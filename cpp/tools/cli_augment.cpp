// `digitrain augment`: what augmentation costs and does, on the caller's digits — the time to
// distort one sample against the training step of the network it feeds, the share of non-zero
// pixels before and after (the sparse first layer pays off while it stays low), and a
// fingerprint of the distorted bytes, the same for the native and the WebAssembly builds.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "augment.h"
#include "cli_args.h"
#include "cli_common.h"
#include "cli_settings.h"
#include "presets.h"
#include "trainer.h"

namespace digitrain::cli {
namespace {

std::string help() {
  return "usage: digitrain augment --train-images FILE --train-labels FILE [flags]\n"
         "\n"
         "Distorts the first --count training digits as epoch --epoch of a run would (the preset's\n"
         "augmentation, default best-augmented, changed by the setting flags) and reports: the\n"
         "processor time per sample to distort, the preset network's training time per sample\n"
         "without and with augmentation (--seconds of processor time each; 0 skips), the share of\n"
         "non-zero pixels before and after, and a fingerprint (FNV-1a, 64 bits) of the distorted\n"
         "bytes.\n"
         "  --count N       digits to distort (default 2000)\n"
         "  --epoch E       the epoch, from 0 (default 0)\n"
         "  --seconds S     each training measurement's length (default 2; 0: none)\n"
         "  --json          one JSON object: count, epoch, threads, augment_us_per_sample,\n"
         "                  train_us_per_sample, train_augmented_us_per_sample, nonzero_original,\n"
         "                  nonzero_augmented, fingerprint\n"
         "settings:\n" +
         settingsHelp();
}

const std::vector<FlagSpec>& flags() {
  static const std::vector<FlagSpec> list = [] {
    std::vector<FlagSpec> out =
        flagList({"--train-images", "--train-labels", "--count", "--epoch", "--seconds"}, {"--json"});
    for (const FlagSpec& f : settingFlags()) out.push_back(f);
    return out;
  }();
  return list;
}

// Processor time, all threads together: what a sample costs, whatever else shares the machine
// (a busy machine stretches the wall clock of both measurements, not always alike).
double cpuSeconds() { return double(std::clock()) / CLOCKS_PER_SEC; }

// Seconds per training sample of `config` on `data`, over at least `seconds`.
Expected<double> trainSecondsPerSample(TrainConfig config, const std::shared_ptr<const Dataset>& data, double seconds) {
  config.epochs = 100000;
  config.validation = 0;
  config.limit = 0;
  auto created = Trainer::create(config, data, nullptr);
  if (!created) return fail(created.error());
  Trainer& trainer = **created;
  trainer.train(std::max(1, trainer.batchesPerEpoch() / 10));  // warm-up
  long samples = 0;
  const double t0 = cpuSeconds();
  while (cpuSeconds() - t0 < seconds) {
    StepResult r = trainer.train(8);
    if (!r.diverged.empty()) return fail("training diverged: " + r.diverged);
    samples += static_cast<long>(r.batches) * config.batchSize;
  }
  return (cpuSeconds() - t0) / double(std::max(1L, samples));
}

double nonzeroShare(const uint8_t* bytes, size_t n) {
  return double(n - static_cast<size_t>(std::count(bytes, bytes + n, uint8_t(0)))) / double(n);
}

}  // namespace

int runAugment(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto parsed = parseCommand("augment", argv, flags(), help(), exitStatus);
  if (!parsed) return exitStatus;
  const Args& args = *parsed;
  const auto imagesPath = args.get("--train-images"), labelsPath = args.get("--train-labels");
  if (!imagesPath || !labelsPath) return reportError("--train-images and --train-labels are required");
  auto preset = presetConfig(args.get("--preset").value_or("best-augmented"));
  if (!preset) return reportError(preset.error());
  TrainConfig config = *preset;
  if (Status s = applySettingFlags(args, config); !s) return reportError(s.error());
  int count = 2000, epoch = 0;
  double seconds = 2;
  if (Status s = args.read("--count", count); !s) return reportError(s.error());
  if (Status s = args.read("--epoch", epoch); !s) return reportError(s.error());
  if (Status s = args.read("--seconds", seconds); !s) return reportError(s.error());
  if (count < 1) return reportError("--count must be at least 1");
  if (epoch < 0) return reportError("--epoch must be at least 0");
  if (!(seconds >= 0 && seconds <= 600)) return reportError("--seconds must be from 0 to 600");

  auto loaded = loadDataset(*imagesPath, *labelsPath);
  if (!loaded) return reportError(loaded.error());
  const std::shared_ptr<const Dataset> data = *loaded;
  const size_t n = std::min<size_t>(static_cast<size_t>(count), data->count());
  const size_t pixels = static_cast<size_t>(data->features());

  TrainConfig on = config;
  on.augment = true;
  const Augmenter augmenter(on, data->rows, data->cols);
  Augmenter::Scratch scratch;
  std::vector<uint8_t> out(n * pixels);
  const double t0 = cpuSeconds();
  for (size_t i = 0; i < n; ++i)
    augmenter.apply(data->image(i), out.data() + i * pixels, epoch, static_cast<uint32_t>(i), scratch);
  const double augmentSeconds = (cpuSeconds() - t0) / double(n);
  uint64_t fingerprint = 0xcbf29ce484222325ull;
  for (uint8_t b : out) fingerprint = (fingerprint ^ b) * 0x100000001b3ull;
  char hex[20];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fingerprint));

  double plain = 0, augmented = 0;
  if (seconds > 0) {
    TrainConfig off = config;
    off.augment = false;
    auto a = trainSecondsPerSample(off, data, seconds);
    if (!a) return reportError(a.error());
    auto b = trainSecondsPerSample(on, data, seconds);
    if (!b) return reportError(b.error());
    plain = *a;
    augmented = *b;
  }
  const double before = nonzeroShare(data->image(0), n * pixels), after = nonzeroShare(out.data(), n * pixels);

  if (args.has("--json")) {
    nlohmann::ordered_json j;
    j["count"] = n;
    j["epoch"] = epoch;
    j["threads"] = config.threads;
    j["augment_us_per_sample"] = augmentSeconds * 1e6;
    j["train_us_per_sample"] = seconds > 0 ? nlohmann::json(plain * 1e6) : nlohmann::json(nullptr);
    j["train_augmented_us_per_sample"] = seconds > 0 ? nlohmann::json(augmented * 1e6) : nlohmann::json(nullptr);
    j["nonzero_original"] = before;
    j["nonzero_augmented"] = after;
    j["fingerprint"] = hex;
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("%s digits of %s, epoch %d, network %s, %d thread(s)\n", thousands(double(n)).c_str(),
              imagesPath->c_str(), epoch, layerText(config.layers).c_str(), config.threads);
  std::printf("distorting:          %8.2f µs of processor time per sample\n", augmentSeconds * 1e6);
  if (seconds > 0) {
    std::printf("training step:       %8.2f µs per sample without augmentation\n", plain * 1e6);
    std::printf("                     %8.2f µs per sample with it (%+.1f%%)\n", augmented * 1e6,
                (augmented / plain - 1) * 100);
  }
  std::printf("non-zero pixels:     %s of the stored digits, %s distorted\n", percent(before, 1).c_str(),
              percent(after, 1).c_str());
  std::printf("fingerprint:         %s\n", hex);
  return kExitOk;
}

}  // namespace digitrain::cli
