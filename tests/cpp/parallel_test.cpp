// The thread pool's barrier: every participant of a run waits until all have arrived, run
// after run, and the threads that sit a run out do not count.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "parallel.h"

namespace digitrain {
namespace {

TEST(ThreadPool, BarrierHoldsEveryParticipantUntilAllHaveArrived) {
  ThreadPool pool(4);
  for (int participants : {4, 3, 2, 1}) {
    for (int round = 0; round < 200; ++round) {
      std::atomic<int> before{0};
      std::vector<int> seen(4, -1);
      pool.run([&](int t) {
        if (t >= participants) return;  // sits this run out, as trainBatch's idle threads do
        before.fetch_add(1);
        pool.barrier(participants);
        seen[t] = before.load();  // everyone's first half is done by now
      });
      for (int t = 0; t < participants; ++t) ASSERT_EQ(seen[t], participants) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace digitrain
