#include "parallel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace digitrain {

namespace {
// How long a wait spins before it sleeps. A wait that sleeps costs a wake-up: a futex call on
// the waker's side and, on the sleeper's, ~30 µs measured in a virtual machine (its idle core
// halted, to be woken by the host), a tenth of a 2-thread batch of 64 on `best`. Worse, one
// sleep brings on the next: the sleeper wakes later than its partner spins, so the partner
// sleeps too. Spins counted in checks (20,000 and 100,000: ~5 and ~27 µs natively) slept
// between most batches. The two shares of a batch end 30–150 µs apart (README, Performance),
// which a wait inside a batch (at the barrier, for the others to finish) spans; between
// batches the calling thread takes ~1 µs, but a worker waits there for the caller's share to
// end too. Bounded in time, not in checks, so that a spin lasts as long in every build (a
// check in WebAssembly is not a check natively), and never so long that a thread whose partner
// lost its core keeps a core from the process that took it for more than a fraction of a batch.
constexpr std::chrono::microseconds kIdleSpin{100};
constexpr std::chrono::microseconds kBatchSpin{200};

// Checks done() until it holds or `budget` has passed, reading the clock only every 64 checks
// (a read costs ~25 ns natively, as much as ~90 plain checks); returns done(). Natively each
// check ends with a `pause`, which tells the core that this is a spin, so that a sibling
// hardware thread gets its resources and the loop draws less power.
//
// Natively, every 64 checks (~2 µs) also yield the core to any thread waiting for it. The
// kernel does not always put the pool's threads on different cores: while another process
// holds one core (even briefly, as the run starts), both threads share the other one and stay
// there, and each wait's spin then holds the very core the awaited thread needs to finish.
// Measured on 2 cores (`blog`, 2 threads, both threads found on one core in every sample):
// ~3 sleeps per batch, 900 µs per batch against 470 µs on one thread. A yield with no other
// thread waiting for the core returns at once (~0.3 µs), so spinning across cores is as
// before. WebAssembly has no yield that gives up the core (see parallel.h).
template <class Done>
bool spinFor(std::chrono::microseconds budget, const Done& done) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + budget;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
#ifdef DIGITRAIN_HAVE_MXCSR
      _mm_pause();
#endif
    }
    if (Clock::now() >= until) return done();
#ifndef __EMSCRIPTEN__
    std::this_thread::yield();
#endif
  }
}
}  // namespace

ThreadPool::ThreadPool(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run(const std::function<void(int)>& task) {
  if (workers_.empty()) {
    task(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    remaining_.store(static_cast<int>(workers_.size()));
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  task(0);
  if (spinFor(kBatchSpin, [&] { return remaining_.load(std::memory_order_acquire) == 0; })) return;
  // A worker is late (its core taken by another process): sleep until the last one is done.
  // callerSleeps_ and remaining_ are sequentially consistent, so the last worker either sees
  // that the caller sleeps, or the caller sees remaining_ at 0 before it waits.
  std::unique_lock<std::mutex> lock(mutex_);
  callerSleeps_.store(true);
  doneWake_.wait(lock, [&] { return remaining_.load() == 0; });
  callerSleeps_.store(false);
}

void ThreadPool::barrier(int participants) {
  if (participants <= 1) return;
  const unsigned phase = barrierPhase_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == participants) {
    arrived_.store(0, std::memory_order_relaxed);
    barrierPhase_.fetch_add(1);
    if (barrierSleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex_);  // so that no sleeper is between its check and its wait
      barrierWake_.notify_all();
    }
    return;
  }
  // The others are mid-batch on their own cores: they arrive within microseconds. A plain
  // spin first, then sleep: one that has not arrived by then lost its core to another process,
  // and spinning on would keep a core from it. barrierSleepers_ and barrierPhase_ are
  // sequentially consistent: the last to arrive sees the sleeper, or the sleeper sees the
  // new phase.
  if (spinFor(kBatchSpin, [&] { return barrierPhase_.load(std::memory_order_acquire) != phase; })) return;
  std::unique_lock<std::mutex> lock(mutex_);
  barrierSleepers_.fetch_add(1);
  barrierWake_.wait(lock, [&] { return barrierPhase_.load() != phase; });
  barrierSleepers_.fetch_sub(1);
}

void ThreadPool::loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin first: the next batch usually arrives within microseconds.
    if (!spinFor(kIdleSpin, [&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    (*task_)(index);
    if (remaining_.fetch_sub(1) == 1 && callerSleeps_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);
      doneWake_.notify_one();
    }
  }
}

namespace {

std::string threadsText(int n) { return std::to_string(n) + (n == 1 ? " thread" : " threads"); }

std::string ratioText(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f×", x);
  return buf;
}

// How many threads a batch can use at all: one per minSamplesPerThread samples.
int shareable(const ThreadWork& w) {
  return std::clamp(w.batch / minSamplesPerThread(w), 1, std::max(1, w.maxThreads));
}

}  // namespace

int minSamplesPerThread(const ThreadWork& work) {
  constexpr double kDenseFlopPerParameter = 6;
  if (work.parameters <= 0 || work.flopPerSample <= 0) return kMinSamplesPerThread;
  const double samples =
      std::ceil(kMinSamplesPerThread * kDenseFlopPerParameter * work.parameters / work.flopPerSample);
  return static_cast<int>(std::clamp(samples, 1.0, double(kMinSamplesPerThread)));
}

int defaultMaxThreads() { return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8); }

std::vector<int> threadCandidates(const ThreadWork& work) {
  const int most = shareable(work);
  if (most <= 1 || work.batch * work.flopPerSample / 2 < kMinFlopPerThread) return {};
  std::vector<int> out{1};
  for (int n = 2; n < most; n *= 2) out.push_back(n);
  out.push_back(most);
  return out;
}

ThreadChoice chooseThreads(const ThreadWork& work, const std::vector<ThreadTrial>& trials) {
  if (work.maxThreads <= 1) return {1, "1 thread: no other thread is available to this run"};
  if (shareable(work) <= 1)
    return {1, "1 thread: batch " + std::to_string(work.batch) + " is too small to share (at least " +
                   std::to_string(2 * minSamplesPerThread(work)) + " samples)"};
  const std::vector<int> candidates = threadCandidates(work);
  if (candidates.empty()) {
    char mflop[32];
    std::snprintf(mflop, sizeof mflop, "%.2g", work.batch * work.flopPerSample / 1e6);
    return {1, "1 thread: a batch of " + std::to_string(work.batch) + " on this network is " + mflop +
                   " MFLOP, too little to share"};
  }
  auto rateOf = [&](int threads) {
    double best = 0;
    for (const ThreadTrial& t : trials)
      if (t.threads == threads) best = std::max(best, t.samplesPerSecond);
    return best;
  };
  if (rateOf(1) <= 0) {
    const int most = candidates.back();
    return {most, threadsText(most) + ": batch " + std::to_string(work.batch) + " shared (not measured)"};
  }
  int chosen = 1;
  for (int n : candidates)
    if (n > chosen && rateOf(n) >= kThreadGain * rateOf(chosen)) chosen = n;
  const double one = rateOf(1);
  if (chosen == 1) {
    // The most threads measured, and what they achieved against one.
    int other = 1;
    for (int n : candidates)
      if (rateOf(n) > 0) other = n;
    return {1, "1 thread: " + threadsText(other) + " measured " + ratioText(rateOf(other) / one) +
                   " one thread's speed at batch " + std::to_string(work.batch) +
                   " (too little to share, or the other cores are busy)"};
  }
  return {chosen, threadsText(chosen) + ": measured " + ratioText(rateOf(chosen) / one) +
                      " one thread's speed at batch " + std::to_string(work.batch)};
}

ThreadAdapter::ThreadAdapter(std::vector<int> candidates, int current, int batch, AdaptPolicy policy)
    : candidates_(std::move(candidates)), policy_(policy), batch_(batch), current_(current) {}

bool ThreadAdapter::record(int threads, int samples, double seconds) {
  if (candidates_.size() < 2) return false;
  if (!probing_) {
    if (threads != current_) return false;
    runSeconds_ += seconds;
    runSamples_ += samples;
    const double part = std::min(1.0, std::ldexp(policy_.firstInterval, std::min(probes_, 30)));
    if (++runBatches_ < std::ceil(part * policy_.intervalBatches) || runSeconds_ < part * policy_.intervalSeconds)
      return false;
    // Time for a probe: the next of the other candidates.
    std::vector<int> others;
    for (int n : candidates_)
      if (n != current_) others.push_back(n);
    probe_ = others[nextProbe_++ % others.size()];
    probing_ = true;
    probeSeconds_ = probeSamples_ = 0;
    probeBatches_ = 0;
    return false;
  }
  if (threads != probe_) return false;
  probeSeconds_ += seconds;
  probeSamples_ += samples;
  if (++probeBatches_ < policy_.probeBatches || probeSeconds_ < policy_.probeSeconds) return false;
  probing_ = false;
  ++probes_;
  const double ours = runSeconds_ > 0 ? runSamples_ / runSeconds_ : 0;
  const double theirs = probeSeconds_ > 0 ? probeSamples_ / probeSeconds_ : 0;
  runSeconds_ = runSamples_ = 0;
  runBatches_ = 0;
  // chooseThreads' rule between two counts: more threads must gain kThreadGain; fewer win
  // unless they lose more than that.
  const bool move = probe_ > current_ ? theirs >= kThreadGain * ours : theirs * kThreadGain >= ours;
  if (!move || ours <= 0) return false;
  reason_ = threadsText(probe_) + ": measured " + ratioText(theirs / ours) + " the speed of " + threadsText(current_) +
            " at batch " + std::to_string(batch_) + " while training" +
            (probe_ > current_ ? ""
             : theirs >= ours  ? " (the other cores are busy)"
                               : " (as fast, within 5 %, on fewer cores)");
  current_ = probe_;
  // The new count is re-checked as early as the start-up choice was: a move made on a noisy
  // probe (a burst of load, the engine still warming up) costs a fraction of an interval, not
  // up to a whole one at the slower count.
  probes_ = 0;
  return true;
}

std::vector<std::vector<std::pair<int, int>>> updateColumnShares(const std::vector<LayerShape>& layers, int threads,
                                                                 int lineColumns,
                                                                 const std::function<int(int)>& rowOperations) {
  std::vector<std::vector<std::pair<int, int>>> shares(layers.size(), std::vector<std::pair<int, int>>(threads));
  std::vector<double> load(threads, 0.0);
  // The layers with the fewest lines first (they can be split least evenly), the largest
  // last, whose many lines even out what the others left; ties in layer order.
  std::vector<size_t> order(layers.size());
  for (size_t l = 0; l < order.size(); ++l) order[l] = l;
  auto linesOf = [&](size_t l) { return (layers[l].outputs + lineColumns - 1) / lineColumns; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return linesOf(a) < linesOf(b); });
  for (size_t l : order) {
    const int lines = linesOf(l);
    if (lines == 0) continue;
    const int full = layers[l].outputs / lineColumns, tail = layers[l].outputs % lineColumns;
    const double cost =
        double(layers[l].inputs) * (full * rowOperations(lineColumns) + (tail ? rowOperations(tail) : 0)) / lines;
    // Line by line to the least loaded thread (the lowest index on a tie); only the counts
    // are kept, and the lines are then handed out in thread order.
    std::vector<int> count(threads, 0);
    for (int i = 0; i < lines; ++i) {
      const int t = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
      ++count[t];
      load[t] += cost;
    }
    int line = 0;
    for (int t = 0; t < threads; ++t) {
      const int begin = std::min(layers[l].outputs, line * lineColumns);
      line += count[t];
      shares[l][t] = {begin, std::min(layers[l].outputs, line * lineColumns) - begin};
    }
  }
  return shares;
}

}  // namespace digitrain
