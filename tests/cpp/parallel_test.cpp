// The thread pool's barrier: every participant of a run waits until all have arrived, run
// after run, and the threads that sit a run out do not count; a late thread is waited for
// after the others have given up spinning and slept. The automatic thread count's
// decision on synthetic work and measurements (the trainer feeds it real ones), and its
// re-measurement while training on synthetic batch timings.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
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

// A participant that is late (its core taken by another process) makes the others stop
// spinning and sleep, at the barrier and in run()'s wait for the workers: they are woken,
// and wait for it, whichever thread is late, run after run.
TEST(ThreadPool, WaitsThatOutlastTheirSpinSleepAndAreWoken) {
  ThreadPool pool(3);
  for (int late = 0; late < 3; ++late) {
    for (int round = 0; round < 3; ++round) {
      std::atomic<int> before{0}, after{0};
      std::vector<int> seen(3, -1);
      pool.run([&](int t) {
        if (t == late) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        before.fetch_add(1);
        pool.barrier(3);
        seen[t] = before.load();
        if (t == late && t != 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        after.fetch_add(1);
      });
      EXPECT_EQ(after.load(), 3) << "late thread " << late << ", round " << round;  // run() waited for all
      for (int t = 0; t < 3; ++t) EXPECT_EQ(seen[t], 3) << "late thread " << late << ", round " << round;
    }
  }
}

// Runs far apart (a pause longer than any spin between them) find the workers asleep; runs
// back to back find them spinning. Either way every task runs exactly once per run, and
// run() returns only after all of them.
TEST(ThreadPool, RunsAfterALongPauseWakeTheSleepingWorkers) {
  ThreadPool pool(3);
  for (int round = 0; round < 6; ++round) {
    if (round % 2 == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int burst = 0; burst < 50; ++burst) {
      std::vector<std::atomic<int>> calls(3);
      pool.run([&](int t) { calls[t].fetch_add(1); });
      for (int t = 0; t < 3; ++t) ASSERT_EQ(calls[t].load(), 1) << "round " << round << ", run " << burst;
    }
  }
}

// Every layer's columns are covered once, in whole lines, in thread order; a layer of one line
// goes to one thread, which takes fewer lines of the largest layer (`best`'s and
// `best-augmented`'s networks, 16 floats a line).
// SIMD operations per row of n float columns with AVX-512 packets: 16, then 8 and 4 lanes, then scalars.
int avx512Operations(int n) { return n / 16 + (n % 16) / 8 + (n % 8) / 4 + n % 4; }

TEST(UpdateColumnShares, BalancesTheWorkOverTheLayersInWholeLines) {
  const std::vector<std::vector<LayerShape>> nets = {{{784, 256}, {256, 128}, {128, 10}}, {{784, 800}, {800, 10}}};
  for (const auto& net : nets) {
    for (int threads = 1; threads <= 4; ++threads) {
      const auto shares = updateColumnShares(net, threads, 16, avx512Operations);
      ASSERT_EQ(shares.size(), net.size());
      for (size_t l = 0; l < net.size(); ++l) {
        int next = 0;
        for (int t = 0; t < threads; ++t) {
          const auto [first, count] = shares[l][t];
          EXPECT_EQ(first, next) << "layer " << l << ", thread " << t;
          EXPECT_GE(count, 0);
          if (first + count < net[l].outputs) EXPECT_EQ((first + count) % 16, 0);
          next = first + count;
        }
        EXPECT_EQ(next, net[l].outputs) << "layer " << l << ", " << threads << " threads";
      }
    }
  }
  // 784-800-10 on 2 threads, AVX-512's operations per row: the 800 × 10 layer (3 a row: 8
  // lanes and 2 scalars) is worth 800 · 3 / 784 ≈ 3 of the first layer's 50 lines (1 a row),
  // so the other thread takes 27 of them.
  const auto shares = updateColumnShares(nets[1], 2, 16, avx512Operations);
  EXPECT_EQ(shares[1][0], (std::pair<int, int>{0, 10}));
  EXPECT_EQ(shares[0][0], (std::pair<int, int>{0, 23 * 16}));
  EXPECT_EQ(shares[0][1], (std::pair<int, int>{23 * 16, 27 * 16}));
  // With 4 lanes (WebAssembly, x86-64-v2) 10 columns take 2 packets and 2 scalars, as many
  // operations as a 16-column line: a line of the first layer is worth 784 · 4 against the
  // small layer's 800 · 4, so the lines split 24 / 26.
  const auto four = updateColumnShares(nets[1], 2, 16, [](int n) { return n / 4 + n % 4; });
  EXPECT_EQ(four[0][0], (std::pair<int, int>{0, 24 * 16}));
}

// The `best` preset's network: 784-256-128-10, ~0.6 MFLOP per sample as the trainer counts it.
ThreadWork work(int batch, int maxThreads, double flopPerSample = 6e5) { return {batch, flopPerSample, maxThreads}; }

TEST(ChooseThreads, OneThreadWhenTheBatchIsTooSmallToShare) {
  for (int batch : {1, 16, 2 * kMinSamplesPerThread - 1}) {
    EXPECT_TRUE(threadCandidates(work(batch, 8)).empty()) << batch;
    const ThreadChoice c = chooseThreads(work(batch, 8), {{1, 1000}, {2, 5000}});
    EXPECT_EQ(c.threads, 1) << batch;
    EXPECT_EQ(c.reason.rfind("1 thread: batch " + std::to_string(batch) + " is too small to share", 0), 0u) << c.reason;
  }
}

// A thread's share holds kMinSamplesPerThread samples of a dense network (its ≤ 6 flop per
// parameter and sample), and fewer of a network that uses each weight more often per sample.
TEST(ChooseThreads, TheMinimumShareScalesWithTheArithmeticPerParameter) {
  // `best` (784-256-128-10): 4·784·256 + 6·(256·128 + 128·10) flop on 235,146 parameters.
  ThreadWork dense = work(64, 2, 4.0 * 784 * 256 + 6.0 * (256 * 128 + 128 * 10));
  dense.parameters = 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10;
  EXPECT_EQ(minSamplesPerThread(dense), kMinSamplesPerThread);
  EXPECT_EQ(minSamplesPerThread(work(64, 2)), kMinSamplesPerThread);  // parameters unknown
  // The ConvNetJS demo's network (24×24 crops, conv5x8same, pool2, conv5x16same, pool3, 10):
  // ~3.2 MFLOP per sample on 5,994 parameters, ~530 flop each.
  ThreadWork conv = work(20, 2, 4.0 * 25 * 8 * 576 + 6.0 * 200 * 16 * 144 + 6.0 * 256 * 10);
  conv.parameters = 25 * 8 + 8 + 200 * 16 + 16 + 256 * 10 + 10;
  EXPECT_EQ(minSamplesPerThread(conv), 1);
  EXPECT_EQ(threadCandidates(conv), (std::vector<int>{1, 2}));  // its batch of 20 is shared
  EXPECT_EQ(chooseThreads(conv, {{1, 4000}, {2, 7000}}).threads, 2);
  // Twice the parameters for the same arithmetic: twice the samples, up to the dense minimum.
  ThreadWork between = work(20, 8, 6.0 * 100 * 4);
  between.parameters = 100;  // 24 flop per parameter and sample: 16·6/24 = 4 samples
  EXPECT_EQ(minSamplesPerThread(between), 4);
  EXPECT_EQ(threadCandidates(between), std::vector<int>{});  // 20·2,400 flop is too little to share
  between.flopPerSample *= 1000;
  between.parameters *= 1000;
  EXPECT_EQ(minSamplesPerThread(between), 4);
  EXPECT_EQ(threadCandidates(between), (std::vector<int>{1, 2, 4, 5}));  // 20 / 4 = 5 threads at most
  between.parameters *= 2;
  EXPECT_EQ(minSamplesPerThread(between), 8);
  between.parameters *= 100;
  EXPECT_EQ(minSamplesPerThread(between), kMinSamplesPerThread);
}

TEST(ChooseThreads, OneThreadWhenTheBatchIsTooLittleArithmetic) {
  // 784-8-10 at batch 64: ~1.2 MFLOP, ~0.6 per thread.
  const ThreadWork tiny = work(64, 2, 4.0 * 784 * 8 + 6.0 * 8 * 10);
  EXPECT_TRUE(threadCandidates(tiny).empty());
  const ThreadChoice c = chooseThreads(tiny, {});
  EXPECT_EQ(c.threads, 1);
  EXPECT_NE(c.reason.find("too little to share"), std::string::npos) << c.reason;
}

TEST(ChooseThreads, OneThreadWhenNoOtherIsAvailable) {
  EXPECT_TRUE(threadCandidates(work(128, 1)).empty());
  EXPECT_EQ(chooseThreads(work(128, 1), {}).threads, 1);
}

TEST(ChooseThreads, CandidatesArePowersOfTwoUpToWhatTheBatchCanUse) {
  EXPECT_EQ(threadCandidates(work(64, 2)), (std::vector<int>{1, 2}));
  EXPECT_EQ(threadCandidates(work(128, 8)), (std::vector<int>{1, 2, 4, 8}));
  EXPECT_EQ(threadCandidates(work(64, 8)), (std::vector<int>{1, 2, 4}));  // 16 samples per thread at least
  EXPECT_EQ(threadCandidates(work(1000, 6)), (std::vector<int>{1, 2, 4, 6}));
  EXPECT_EQ(threadCandidates(work(48, 8)), (std::vector<int>{1, 2, 3}));
}

TEST(ChooseThreads, TheFastestMeasuredCountWins) {
  // An idle two-core machine: two threads 1.7× one.
  ThreadChoice c = chooseThreads(work(64, 2), {{1, 50000}, {2, 85000}, {1, 48000}, {2, 83000}});
  EXPECT_EQ(c.threads, 2);
  EXPECT_EQ(c.reason, "2 threads: measured 1.70× one thread's speed at batch 64");
  // One core kept busy by another program: two threads wait for the slow one.
  c = chooseThreads(work(64, 2), {{1, 50000}, {2, 35000}});
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.reason.rfind("1 thread: 2 threads measured 0.70× one thread's speed at batch 64", 0), 0u) << c.reason;
  // Eight cores whose speed-up stops at four.
  c = chooseThreads(work(128, 8), {{1, 100}, {2, 190}, {4, 340}, {8, 330}});
  EXPECT_EQ(c.threads, 4);
  // Eight threads only slightly faster than four: not worth the cores.
  c = chooseThreads(work(128, 8), {{1, 100}, {2, 190}, {4, 340}, {8, 350}});
  EXPECT_EQ(c.threads, 4);
  c = chooseThreads(work(128, 8), {{1, 100}, {2, 190}, {4, 340}, {8, 400}});
  EXPECT_EQ(c.threads, 8);
  // Four threads slower than two, eight faster than two by enough: eight.
  c = chooseThreads(work(128, 8), {{1, 100}, {2, 190}, {4, 150}, {8, 260}});
  EXPECT_EQ(c.threads, 8);
}

TEST(ChooseThreads, AGainBelowTheThresholdKeepsFewerThreads) {
  EXPECT_EQ(chooseThreads(work(64, 2), {{1, 1000}, {2, 1000 * kThreadGain * 0.99}}).threads, 1);
  EXPECT_EQ(chooseThreads(work(64, 2), {{1, 1000}, {2, 1000 * kThreadGain * 1.01}}).threads, 2);
}

TEST(ChooseThreads, WithoutMeasurementsTheMostTheBatchCanUse) {
  const ThreadChoice c = chooseThreads(work(64, 8), {});
  EXPECT_EQ(c.threads, 4);
  EXPECT_NE(c.reason.find("not measured"), std::string::npos) << c.reason;
}

// ---- ThreadAdapter: `auto` while training, fed synthetic batch timings -------------------

// Trains `batches` batches of 64 through the adapter, each taking 64 / rate(threads) seconds;
// returns the count each batch trained at.
template <class Rate>
std::vector<int> feed(ThreadAdapter& a, int batches, const Rate& rate) {
  std::vector<int> used;
  for (int b = 0; b < batches; ++b) {
    const int n = a.next();
    used.push_back(n);
    a.record(n, 64, 64.0 / rate(n));
  }
  return used;
}

// Probes after 1 s and 10 batches at the current count; a probe is 0.05 s and 2 batches; the
// first interval is a whole one (the early first probe has tests of its own below).
const AdaptPolicy kTestPolicy{1.0, 10, 0.05, 2, 1.0};

TEST(ThreadAdapter, MovesToOneThreadWhenACoreBecomesBusyAndBackWhenItIsFree) {
  ThreadAdapter a({1, 2}, 2, 64, kTestPolicy);
  bool busy = false;
  auto rate = [&](int n) { return n == 1 ? 50000.0 : busy ? 30000.0 : 85000.0; };
  // Idle: the probes at one thread lose, the run stays at two.
  std::vector<int> used = feed(a, 5000, rate);
  EXPECT_EQ(a.current(), 2);
  EXPECT_GT(std::count(used.begin(), used.end(), 1), 0);  // it did probe
  EXPECT_LT(std::count(used.begin(), used.end(), 1), 5000 / 20);
  busy = true;
  used = feed(a, 5000, rate);
  EXPECT_EQ(a.current(), 1);
  EXPECT_EQ(a.reason().rfind("1 thread: measured 1.67× the speed of 2 threads at batch 64 while training", 0), 0u)
      << a.reason();
  // Once moved, most batches train at the faster count.
  EXPECT_GT(std::count(used.end() - 2000, used.end(), 1), 1900);
  busy = false;
  feed(a, 5000, rate);
  EXPECT_EQ(a.current(), 2);
  EXPECT_EQ(a.reason(), "2 threads: measured 1.70× the speed of 1 thread at batch 64 while training");
}

TEST(ThreadAdapter, KeepsTheCountWithinTheGainThreshold) {
  // Two threads 3 % faster than one: not worth a second core, so one stays.
  ThreadAdapter one({1, 2}, 1, 64, kTestPolicy);
  feed(one, 5000, [](int n) { return n == 1 ? 50000.0 : 51500.0; });
  EXPECT_EQ(one.current(), 1);
  EXPECT_TRUE(one.reason().empty());
  // Running at two, one thread as fast within the threshold: one frees a core.
  ThreadAdapter two({1, 2}, 2, 64, kTestPolicy);
  feed(two, 5000, [](int n) { return n == 1 ? 50000.0 : 51500.0; });
  EXPECT_EQ(two.current(), 1);
  EXPECT_NE(two.reason().find("within 5 %"), std::string::npos) << two.reason();
}

TEST(ThreadAdapter, ProbesEveryOtherCandidateInTurn) {
  // Eight cores whose best count moves from 4 to 8 as a load elsewhere ends.
  ThreadAdapter a({1, 2, 4, 8}, 4, 128, kTestPolicy);
  bool loaded = true;
  auto rate = [&](int n) { return loaded ? (n == 8 ? 200.0 : 100.0 * n) : 100.0 * n; };
  std::vector<int> used = feed(a, 20000, rate);
  EXPECT_EQ(a.current(), 4);
  for (int n : {1, 2, 8}) EXPECT_GT(std::count(used.begin(), used.end(), n), 0) << n;
  loaded = false;
  feed(a, 20000, rate);
  EXPECT_EQ(a.current(), 8);
}

TEST(ThreadAdapter, WithOneCandidateNothingChanges) {
  ThreadAdapter a({1}, 1, 64, kTestPolicy);
  const std::vector<int> used = feed(a, 1000, [](int) { return 1000.0; });
  EXPECT_EQ(std::count(used.begin(), used.end(), 1), 1000);
}

TEST(ThreadAdapter, AProbeWaitsForItsInterval) {
  // Long full-batch steps (0.2 s): the interval counts batches too, and a probe is 2 of them.
  ThreadAdapter a({1, 2}, 2, 50000, kTestPolicy);
  const std::vector<int> used = feed(a, 10, [](int n) { return n == 1 ? 250000.0 : 250000.0 * 1.6; });
  EXPECT_EQ(std::count(used.begin(), used.end(), 1), 0);
}

TEST(ThreadAdapter, TheFirstProbesComeEarlyAndCorrectAMisjudgedStart) {
  // The start-up measurement chose one thread where two are 1.9× as fast (the other core was
  // still busy): the default policy's first probe, an eighth of an interval in, moves the run to
  // two; the intervals after it double (a quarter, a half) up to a whole one.
  const AdaptPolicy policy;
  ThreadAdapter a({1, 2}, 1, 64, policy);
  auto rate = [](int n) { return n == 1 ? 14000.0 : 26600.0; };
  // When each probe started, and how long the run trained at its count before it.
  std::vector<double> starts, intervals;
  double now = 0, since = 0;
  int previous = a.current();
  for (int b = 0; b < 6000; ++b) {
    const int n = a.next();
    if (n != a.current() && previous == a.current()) {
      starts.push_back(now);
      intervals.push_back(now - since);
    }
    const double seconds = 64.0 / rate(n);
    const bool moved = a.record(n, 64, seconds);
    now += seconds;
    if (n != a.current() || moved) since = now;  // a probe's batch, or the move it made
    previous = n;
  }
  EXPECT_EQ(a.current(), 2);
  EXPECT_EQ(a.reason(), "2 threads: measured 1.90× the speed of 1 thread at batch 64 while training");
  ASSERT_GE(starts.size(), 5u);
  // The first probe is the move: it starts at 0.25 s (within a batch at one thread).
  EXPECT_GE(starts[0], policy.firstInterval * policy.intervalSeconds);
  EXPECT_LT(starts[0], policy.firstInterval * policy.intervalSeconds + 64.0 / rate(1));
  // Then, at two threads, probes at one every 0.25 s, 0.5 s, 1 s, 2 s, 2 s … of training at
  // two: the move starts the early schedule again.
  for (size_t k = 1; k < starts.size(); ++k) {
    const double expected = std::min(1.0, policy.firstInterval * double(1 << (k - 1))) * policy.intervalSeconds;
    EXPECT_GE(intervals[k], expected) << k;
    EXPECT_LT(intervals[k], expected + 64.0 / rate(2)) << k;
  }
}

TEST(ThreadAdapter, TheEarlyProbeCountsBatchesToo) {
  // Full-batch steps of 0.2 s: the first probe waits for its share of the interval's batches
  // (an eighth of 20: 3), not just its share of the seconds (0.25 s, past after 2 batches).
  ThreadAdapter a({1, 2}, 2, 50000, AdaptPolicy{});
  std::vector<int> used;
  for (int b = 0; b < 4; ++b) {
    used.push_back(a.next());
    a.record(used.back(), 50000, used.back() == 2 ? 0.2 : 0.32);
  }
  EXPECT_EQ(used, (std::vector<int>{2, 2, 2, 1}));
}

TEST(ThreadAdapter, AStartThatWasRightStaysAfterTheEarlyProbe) {
  // Two threads measured right at the start: the early probe at one loses, the run stays.
  ThreadAdapter a({1, 2}, 2, 64, AdaptPolicy{});
  const std::vector<int> used = feed(a, 3000, [](int n) { return n == 1 ? 14000.0 : 26600.0; });
  EXPECT_EQ(a.current(), 2);
  EXPECT_TRUE(a.reason().empty());
  EXPECT_GT(std::count(used.begin(), used.end(), 1), 0);
}

TEST(ThreadAdapter, AMoveIsCheckedAgainEarly) {
  // Long past the early probes, a burst of load elsewhere during one interval makes the probe
  // at one thread win; the burst ends as the run moves. The default policy probes two threads
  // again a quarter of a second later (not a whole 2 s interval) and moves back.
  const AdaptPolicy policy;
  ThreadAdapter a({1, 2}, 2, 64, policy);
  bool busy = false;
  double now = 0;
  auto train = [&](auto until) {
    for (int b = 0; b < 1000000 && !until(); ++b) {
      const int n = a.next();
      const double seconds = 64.0 / (n == 1 ? 50000.0 : busy ? 30000.0 : 85000.0);
      a.record(n, 64, seconds);
      now += seconds;
    }
  };
  train([&] { return now > 10; });
  ASSERT_EQ(a.current(), 2);
  busy = true;
  train([&] { return a.current() == 1; });
  ASSERT_EQ(a.current(), 1);
  busy = false;
  const double moved = now;
  train([&] { return a.current() == 2 || now > moved + 10; });
  EXPECT_EQ(a.current(), 2);
  // An early interval at one thread, then a probe at two of about probeSeconds.
  const double early = policy.firstInterval * policy.intervalSeconds;
  EXPECT_GE(now - moved, early);
  EXPECT_LT(now - moved, early + policy.probeSeconds + 2 * 64.0 / 50000.0);
}

}  // namespace
}  // namespace digitrain
