#include "parallel.h"

namespace digitrain {

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
  while (remaining_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

void ThreadPool::barrier(int participants) {
  if (participants <= 1) return;
  const unsigned phase = barrierPhase_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == participants) {
    arrived_.store(0, std::memory_order_relaxed);
    barrierPhase_.fetch_add(1, std::memory_order_acq_rel);
    return;
  }
  // The others are mid-batch on their own cores: they arrive within microseconds. A plain
  // spin first (in Emscripten a yield also runs the thread's queue of proxied calls), then
  // yielding.
  for (int spin = 0; spin < 100000 && barrierPhase_.load(std::memory_order_acquire) == phase; ++spin) {
  }
  while (barrierPhase_.load(std::memory_order_acquire) == phase) std::this_thread::yield();
}

void ThreadPool::loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin first: the next batch usually arrives within microseconds.
    for (int spin = 0; spin < 20000 && generation_.load(std::memory_order_acquire) == seen; ++spin) {
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_) return;
    (*task_)(index);
    remaining_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace digitrain
