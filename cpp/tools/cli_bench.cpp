// `digitrain bench`: training and inference throughput of the TP's network on random
// images (every pixel non-zero: the dense products) or on digits the caller names (mostly
// zero pixels: the sparse first layer), the figures to compare with the WebAssembly builds
// (`impl` says which ran).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"
#include "layer_math.h"
#include "parallel.h"
#include "presets.h"
#include "random.h"
#include "settings.h"
#include "trainer.h"

namespace digitrain::cli {
namespace {

constexpr const char* kHelp =
    "usage: digitrain bench [--threads T[,T...]] [--batches 1,32,128] [--seconds S] [--json]\n"
    "                       [--train-images F --train-labels F]\n"
    "\n"
    "Samples per second of the `tp` network (784-128-64-10, sigmoid, softmax, no biases,\n"
    "float32) on random images: training (forward, backward and update, through the same\n"
    "Trainer as `digitrain train`) and inference (forward only), at each batch size, after a\n"
    "warm-up. Random pixels are all non-zero, so this measures the dense products; with\n"
    "--train-images/--train-labels it runs on those digits instead (MNIST: ~81% of pixels are\n"
    "zero, which the first layer skips).\n"
    "  --threads T     threads sharing each batch; a list runs each (default 1)\n"
    "  --batches B     batch sizes (default 1,32,128)\n"
    "  --seconds S     run each measurement for at least S seconds (default 1.5)\n"
    "  --warmup S      warm up for S seconds first (default 0.3, at most a third of --seconds)\n"
    "  --images N      images to cycle through (default 8192; with a file, at most its count)\n"
    "  --train-images F, --train-labels F\n"
    "                  IDX files (raw or .gz) to run on instead of random images\n"
    "  --json          one JSON object per measurement and line, mode train or inference:\n"
    "                  {\"impl\":\"native\",\"threads\":1,\"batch\":32,\"mode\":\"train\",\n"
    "                   \"samples_per_second\":12345}\n";

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::shared_ptr<const Dataset> randomImages(size_t count, uint64_t seed) {
  auto set = std::make_shared<Dataset>();
  set->rows = set->cols = 28;
  set->images.resize(count * 784);
  set->labels.resize(count);
  Rng rng(seed);
  for (auto& px : set->images) px = static_cast<uint8_t>(rng.next() >> 56);
  for (auto& label : set->labels) label = static_cast<uint8_t>(rng.below(10));
  return set;
}

TrainConfig benchConfig(int batch, int threads) {
  auto preset = presetConfig("tp");
  TrainConfig c = preset ? *preset : TrainConfig{};
  c.batchSize = batch;
  c.threads = threads;
  c.epochs = 100000;  // never the end of training
  return c;
}

// Trains for at least `warmup` seconds, then counts samples over at least `seconds`.
Expected<double> measureTrain(const std::shared_ptr<const Dataset>& data, int batch, int threads, double seconds,
                              double warmup) {
  auto created = Trainer::create(benchConfig(batch, threads), data, nullptr);
  if (!created) return fail(created.error());
  Trainer& trainer = **created;
  auto runFor = [&](double duration) -> Expected<double> {
    long batches = 0;
    int chunk = 1;
    const auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < duration) {
      const auto c0 = Clock::now();
      StepResult r = trainer.train(chunk);
      if (!r.diverged.empty()) return fail("the benchmark's training diverged: " + r.diverged);
      batches += r.batches;
      const double dt = since(c0);
      chunk = static_cast<int>(std::clamp(chunk * 0.05 / std::max(dt, 1e-9), 1.0, 1e5));
      elapsed = since(t0);
    }
    return double(batches) * batch / elapsed;
  };
  if (auto w = runFor(warmup); !w) return w;
  return runFor(seconds);
}

int argmax(const Eigen::Ref<const Matrix>& out, Eigen::Index col) {
  Eigen::Index k;
  out.col(col).maxCoeff(&k);
  return static_cast<int>(k);
}

// Forward passes of whole batches, split across threads as training splits them.
double measureInference(const Network& net, const Dataset& data, int batch, int threads, double seconds,
                        double warmup) {
  std::unique_ptr<ThreadPool> pool;
  if (threads > 1) pool = std::make_unique<ThreadPool>(threads);
  std::vector<Workspace<Scalar>> ws(threads);
  for (auto& w : ws) w.resize(net, std::max(1, (batch + threads - 1) / threads), false);
  std::vector<long> sink(threads, 0);
  std::vector<std::vector<uint32_t>> indices(threads, std::vector<uint32_t>(ws[0].capacity));
  const size_t n = data.count();
  size_t position = 0;
  auto runBatch = [&]() {
    auto work = [&](int t) {
      const int begin = static_cast<int>(static_cast<long>(batch) * t / threads);
      const int end = static_cast<int>(static_cast<long>(batch) * (t + 1) / threads);
      if (begin >= end) return;
      Workspace<Scalar>& w = ws[t];
      for (int j = begin; j < end; ++j) indices[t][j - begin] = static_cast<uint32_t>((position + j) % n);
      gatherInputs(data, indices[t].data(), end - begin, w);
      forward(net, w, end - begin);
      for (int j = 0; j < end - begin; ++j) sink[t] += argmax(w.a.back(), j);
    };
    if (pool) pool->run(work);
    else work(0);
    position = (position + batch) % n;
  };
  auto runFor = [&](double duration) {
    long batches = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    while (elapsed < duration) {
      runBatch();
      ++batches;
      elapsed = since(t0);
    }
    return double(batches) * batch / elapsed;
  };
  runFor(warmup);
  const double rate = runFor(seconds);
  long total = 0;
  for (long s : sink) total += s;
  if (total == -1) std::printf(" ");  // keeps the predictions observable
  return rate;
}

// Which build is measured: its -march decides the SIMD width of every product.
const char* buildName() {
#ifdef __EMSCRIPTEN__
  return "WebAssembly";
#else
  return DIGITRAIN_ARCH_NAME[0] != '\0' ? "native, -march=" DIGITRAIN_ARCH_NAME
                                        : "native, the compiler's default -march";
#endif
}

void printJson(int threads, int batch, const char* mode, double rate) {
  nlohmann::ordered_json j;
#ifdef __EMSCRIPTEN__
  j["impl"] = "wasm-node-cli";  // the same CLI compiled to WebAssembly (npm run cli)
#else
  j["impl"] = "native";
#endif
  j["threads"] = threads;
  j["batch"] = batch;
  j["mode"] = mode;
  j["samples_per_second"] = static_cast<long long>(rate + 0.5);
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
}

}  // namespace

int runBench(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto parsed = parseCommand(
      "bench", argv,
      flagList({"--threads", "--batches", "--seconds", "--warmup", "--images", "--train-images", "--train-labels"},
               {"--json"}),
      kHelp, exitStatus);
  if (!parsed) return exitStatus;
  const Args& args = *parsed;
  std::vector<int> threadCounts{1}, batches{1, 32, 128};
  if (const auto v = args.get("--threads")) {
    auto list = parseIntList("--threads", *v, 1, kMaxThreads);
    if (!list) return reportError(list.error());
    threadCounts = *list;
  }
  if (const auto v = args.get("--batches")) {
    auto list = parseIntList("--batches", *v, 1, 65536);
    if (!list) return reportError(list.error());
    batches = *list;
  }
  double seconds = 1.5;
  if (Status s = args.read("--seconds", seconds); !s) return reportError(s.error());
  if (seconds <= 0 || seconds > 600) return reportError("--seconds must be more than 0 and at most 600");
  int images = 8192;
  if (Status s = args.read("--images", images); !s) return reportError(s.error());
  if (images < 1 || images > (1 << 20)) return reportError("--images must be between 1 and 1048576");
  const bool json = args.has("--json");
  double warmup = std::min(0.3, seconds / 3);
  if (Status s = args.read("--warmup", warmup); !s) return reportError(s.error());
  if (warmup < 0 || warmup > 600) return reportError("--warmup must be between 0 and 600 seconds");

  std::shared_ptr<const Dataset> data;
  std::string source = thousands(images) + " random images";
  const auto imagesPath = args.get("--train-images"), labelsPath = args.get("--train-labels");
  if (imagesPath.has_value() != labelsPath.has_value())
    return reportError(imagesPath ? "--train-images needs --train-labels too"
                                  : "--train-labels needs --train-images too");
  if (imagesPath) {
    auto loaded = loadDataset(*imagesPath, *labelsPath);
    if (!loaded) return reportError(loaded.error());
    if ((*loaded)->features() != 784)
      return reportError(*imagesPath + ": the tp network needs 28×28 images, these are " +
                         std::to_string((*loaded)->rows) + "×" + std::to_string((*loaded)->cols));
    auto subset = std::make_shared<Dataset>(**loaded);
    if (subset->count() > static_cast<size_t>(images)) {
      subset->images.resize(static_cast<size_t>(images) * 784);
      subset->labels.resize(static_cast<size_t>(images));
    }
    size_t zeros = std::count(subset->images.begin(), subset->images.end(), uint8_t(0));
    source = thousands(double(subset->count())) + " images of " + *imagesPath + " (" +
             percent(double(zeros) / double(subset->images.size()), 0) + " of pixels zero)";
    data = std::move(subset);
  } else {
    data = randomImages(static_cast<size_t>(images), 20261125);
  }
  auto made = Trainer::create(benchConfig(1, 1), data, nullptr);
  if (!made) return reportError(made.error());
  const Network net = (*made)->network();

  if (!json) {
    std::printf("digitrain bench (%s): tp network 784-128-64-10, sigmoid + softmax, no biases, float32\n", buildName());
    std::printf(
        "%s; each figure after a %.1f s warm-up, measured for at least %s s; %u hardware "
        "threads\n\n",
        source.c_str(), warmup, shortNumber(seconds, 3).c_str(), std::thread::hardware_concurrency());
    std::printf("threads  batch   train samples/s   inference samples/s\n");
    std::fflush(stdout);
  }
  for (int threads : threadCounts) {
    for (int batch : batches) {
      auto train = measureTrain(data, batch, threads, seconds, warmup);
      if (!train) return reportError(train.error());
      if (json) printJson(threads, batch, "train", *train);
      const double infer = measureInference(net, *data, batch, threads, seconds, warmup);
      if (json) {
        printJson(threads, batch, "inference", infer);
      } else {
        std::printf("%7d %6d %17s %21s\n", threads, batch, thousands(*train).c_str(), thousands(infer).c_str());
        std::fflush(stdout);
      }
    }
  }
  return kExitOk;
}

}  // namespace digitrain::cli
