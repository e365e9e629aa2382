// The learning-rate schedule replayed without training, shared by the schedule tests and the
// NumPy reference trajectories (tests/reference), so it includes no GoogleTest.
#pragma once

#include <vector>

#include "optimizer.h"

namespace digitrain::testing {

// The history of a run whose epochs ended with `losses`, each epoch at the rate the schedule
// gives it after the epochs before: what the Trainer would record.
inline std::vector<EpochMetrics> epochsWithLosses(const TrainConfig& c, const std::vector<double>& losses) {
  std::vector<EpochMetrics> history;
  for (double loss : losses) {
    EpochMetrics m;
    m.epoch = static_cast<int>(history.size()) + 1;
    m.learningRate = scheduledLearningRate(c, history);
    m.trainLoss = loss;
    history.push_back(m);
  }
  return history;
}

}  // namespace digitrain::testing
