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

namespace digitrain {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void run(const std::function<void(int)>& task);

 private:
  void loop(int index);

  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace digitrain
