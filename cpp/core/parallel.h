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

}  // namespace digitrain
