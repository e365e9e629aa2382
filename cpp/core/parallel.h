// A fixed pool of std::threads for data parallelism over a mini-batch.
//
// Threads start once and live as long as the pool: in WebAssembly the pthread pool is
// pre-warmed and starting more threads than it holds hangs, and spawning per batch costs
// ~0.5 ms. run(task) calls task(i) for i = 0..size()-1, task 0 on the calling thread, and
// returns when all are done. Workers spin briefly before sleeping, because a batch of 32
// takes ~0.2 ms and a condition-variable wake-up costs a sizeable part of that. Every wait
// (for the next task, at a barrier, for the others to finish) spins for a while and then
// sleeps until woken: it never spins on, because a thread spinning for one that another
// process has taken the core from only delays it (in WebAssembly a yield does not give the
// core up at all).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if (defined(__SSE__) || defined(__x86_64__)) && !defined(__EMSCRIPTEN__)
#include <xmmintrin.h>
#define DIGITRAIN_HAVE_MXCSR 1
#endif

namespace digitrain {

// Treats subnormal floats as zero while in scope (x86's FTZ and DAZ bits), then restores the
// thread's previous mode. Saturated sigmoids produce errors around 1e-40, and every
// multiplication by such a subnormal costs a ~100-cycle microcode assist: with them, a
// thread's share of a batch could take twice as long as its twin's. Values that small
// change no weight; WebAssembly has no such mode and no such penalty.
class DenormalsAreZero {
 public:
#ifdef DIGITRAIN_HAVE_MXCSR
  DenormalsAreZero() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }
  ~DenormalsAreZero() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#else
  DenormalsAreZero() {}  // user-provided, so a guard that does nothing here is not "unused"
#endif
};

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void run(const std::function<void(int)>& task);
  // Inside a task of run(): returns once `participants` threads (the ones that take part in
  // this run, each calling it once) have arrived. Cheaper than ending the run and starting
  // another: the threads are already awake, so nothing sleeps or has to be woken.
  void barrier(int participants);

 private:
  void loop(int index);

  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  std::atomic<int> arrived_{0};
  std::atomic<unsigned> barrierPhase_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  // Threads asleep at a barrier, and whether run()'s caller sleeps until the workers are done:
  // whoever releases them locks mutex_ and notifies only when someone sleeps.
  std::atomic<int> barrierSleepers_{0};
  std::atomic<bool> callerSleeps_{false};
  std::condition_variable barrierWake_, doneWake_;
};

// ---- the automatic thread count (the `threads` setting's 0, `auto`) ----------------------

// Below this many samples per thread, splitting a dense network's batch costs more than it
// saves: each share fills, sums and steps a gradient of every parameter, work that fewer
// samples do not repay (minSamplesPerThread scales it to other networks).
constexpr int kMinSamplesPerThread = 16;
// Below this much arithmetic per thread and batch (~30 µs in WebAssembly), handing the work to
// another thread and waiting for it costs about what it saves.
constexpr double kMinFlopPerThread = 1e6;
// More threads are chosen only when they were measured at least this much faster than fewer:
// within it, fewer threads leave cores to the page and the rest of the machine for free.
constexpr double kThreadGain = 1.05;

// The most threads `auto` considers where nothing else limits them: min(8, cores), the size of
// the browser builds' pthread pool plus the calling thread.
int defaultMaxThreads();

// One batch's work, as the automatic choice sees it before measuring anything.
struct ThreadWork {
  int batch = 1;             // samples per step (the whole training set for full-batch steps)
  double flopPerSample = 0;  // forward, errors and update of one sample
  int maxThreads = 1;        // threads available to this run
  double parameters = 0;     // weights and biases, each summed and stepped once per share (0: unknown)
};

// The fewest samples a thread's share may hold: enough for as much arithmetic per parameter as
// kMinSamplesPerThread samples give a dense network (which uses each weight for at most 6 flop
// per sample), and never more than kMinSamplesPerThread. A conv layer uses each weight at every
// output position, so a convnet's share can be a few samples: a batch of B is shared by at most
// B / minSamplesPerThread threads, whatever the setting.
int minSamplesPerThread(const ThreadWork& work);

// Samples/s measured with `threads` threads on the run's own network and data.
struct ThreadTrial {
  int threads = 1;
  double samplesPerSecond = 0;
};

struct ThreadChoice {
  int threads = 1;
  std::string reason;  // "1 thread: batch 1 is too small to share"
};

// The thread counts worth measuring, in increasing order (1 first); empty when the work
// alone decides (chooseThreads with no trials says why).
std::vector<int> threadCandidates(const ThreadWork& work);

// The thread count for `work`: 1 when the batch or its arithmetic is too small to share;
// otherwise the count whose trial was fastest, moving up from 1 only for a gain of at least
// kThreadGain over the best fewer threads measured. With candidates but no trials, the most
// threads the batch can use.
ThreadChoice chooseThreads(const ThreadWork& work, const std::vector<ThreadTrial>& trials);

// ---- `auto` while training: re-measuring as the load changes ----------------------------

// How often and how long the run's own batches try another thread count. A probe trains real
// batches (the run is then bitwise the run with the same sequence of counts), so it is short
// and rare: at most probeSeconds / intervalSeconds of the time goes to a count that may be
// slower. The first probes come early: the first interval is firstInterval of the others (its
// seconds and its batches), each next one twice the one before, up to a whole interval. The
// start-up choice is measured in a few milliseconds just as the run starts, while the other
// cores may still be busy with what came before it (measured in WebAssembly: two threads at
// 0.9-1.1x one for the first ~0.1 s of a run, 1.5-1.9x after it; in a fresh engine two
// threads can lose to one for the first 0.3-0.5 s), and a run it misjudged should not train at
// the wrong count for a whole interval. The same holds after every move: the schedule starts
// again from firstInterval, so that a move made on a misleading probe is undone as early.
struct AdaptPolicy {
  double intervalSeconds = 2.0;  // of training at the current count between probes, at least ...
  int intervalBatches = 20;      // ... and this many batches (full-batch steps are long)
  double probeSeconds = 0.05;    // a probe trains at least this long, and ...
  int probeBatches = 1;          // ... at least this many batches
  double firstInterval = 0.125;  // the first interval, as a fraction of the others (1: no early probes)
};

// Keeps `auto`'s thread count right while the run trains: the throughput of the batches it
// trains at the current count is compared, now and then, with a short probe at another
// candidate count (the others in turn), and the run moves there when the probe was faster by
// the same rule as chooseThreads (more threads for a gain of kThreadGain, fewer when they lose
// less than that). Fed with the batches' measured times, so it decides from real timings in
// the trainer and from synthetic ones in tests.
class ThreadAdapter {
 public:
  ThreadAdapter(std::vector<int> candidates, int current, int batch, AdaptPolicy policy = {});
  // The count the next batch trains at.
  int next() const { return probing_ ? probe_ : current_; }
  // A batch trained at `threads` (what next() said): its samples and seconds.
  // Returns true when the count changed for the batches after it (reason() says why).
  bool record(int threads, int samples, double seconds);
  int current() const { return current_; }
  const std::vector<int>& candidates() const { return candidates_; }
  const std::string& reason() const { return reason_; }

 private:
  std::vector<int> candidates_;
  AdaptPolicy policy_;
  int batch_;
  int current_;
  bool probing_ = false;
  int probe_ = 0;
  size_t nextProbe_ = 0;  // index into the other candidates, in turn
  double runSeconds_ = 0, runSamples_ = 0, probeSeconds_ = 0, probeSamples_ = 0;
  int runBatches_ = 0, probeBatches_ = 0;
  int probes_ = 0;  // probes ended: the early intervals double with each
  std::string reason_;
};

// One layer of a network, as the threaded update step splits it: its inputs (the rows of its
// row-major weights) and outputs (the columns).
struct LayerShape {
  int inputs = 0;
  int outputs = 0;
};

// Each thread's columns [first, first + count) of every layer's update (result[l][t]), in
// whole runs of `lineColumns` columns (a cache line of a row) and in thread order, balanced by
// the work over all layers rather than layer by layer: a layer of one line (a 10-output layer)
// goes wholly to one thread, and that thread takes fewer lines of the others. The work of a
// line is the layer's inputs times rowOperations(columns) of its columns, the kernels' SIMD
// operations per row (a part line's narrower packets and scalars cost more per column).
// Depends only on the shapes, the thread count and the operations per row.
std::vector<std::vector<std::pair<int, int>>> updateColumnShares(const std::vector<LayerShape>& layers, int threads,
                                                                 int lineColumns,
                                                                 const std::function<int(int)>& rowOperations);

}  // namespace digitrain
