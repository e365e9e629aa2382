// A fixed pool of std::threads for data parallelism over a mini-batch.
//
// Threads start once and live as long as the pool: in WebAssembly the pthread pool is
// pre-warmed and starting more threads than it holds hangs, and spawning per batch costs
// ~0.5 ms. run(task) calls task(i) for i = 0..size()-1, task 0 on the calling thread, and
// returns when all are done. Workers spin briefly before sleeping, because a batch of 32
// takes ~0.2 ms and a condition-variable wake-up costs a sizeable part of that.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
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
};

// ---- the automatic thread count (the `threads` setting's 0, `auto`) ----------------------

// Below this many samples per thread, splitting a batch costs more than it saves: a batch of B
// is shared by at most B / kMinSamplesPerThread threads, whatever the setting.
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
};

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

}  // namespace digitrain
