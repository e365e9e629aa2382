#include "config.h"

#include <cmath>
#include <string>

namespace digitrain {
namespace {

bool finitePositive(double x) { return std::isfinite(x) && x > 0; }

}  // namespace

NetworkSpec TrainConfig::networkSpec() const {
  NetworkSpec spec;
  spec.sizes = layers;
  const size_t count = layers.empty() ? 0 : layers.size() - 1;
  for (size_t i = 0; i < count; ++i) spec.activations.push_back(i + 1 == count ? output : hidden);
  spec.loss = loss;
  spec.bias = bias;
  spec.init = init;
  spec.initScale = initScale;
  return spec;
}

Status validate(const TrainConfig& c) {
  if (Status s = validate(c.networkSpec()); !s) return s;
  if (c.layers.back() != kClasses)
    return fail("--layers: the last layer must have 10 units (one per digit), got " +
                std::to_string(c.layers.back()));
  if (c.hidden == Activation::Softmax)
    return fail("--activation: softmax can only be the output activation (--output)");
  if (!finitePositive(c.learningRate)) return fail("--lr must be a positive number");
  if (c.learningRate > 1e6) return fail("--lr must be at most 1e6");
  if (c.batchSize < 0) return fail("--batch must be 0 (the whole training set) or a positive number");
  if (c.epochs < 1 || c.epochs > 100000) return fail("--epochs must be between 1 and 100000");
  if (c.validation < 0) return fail("--validation must be 0 or more samples");
  if (c.limit < 0) return fail("--limit must be 0 (all samples) or more");
  if (c.testLimit < 0) return fail("--test-limit must be 0 (all samples) or more");
  if (!(c.l2 >= 0 && std::isfinite(c.l2))) return fail("--l2 must be 0 or a positive number");
  if (!(c.dropout >= 0 && c.dropout < 1)) return fail("--dropout must be in [0, 1)");
  if (!(c.momentum >= 0 && c.momentum < 1)) return fail("--momentum must be in [0, 1)");
  if (!(c.beta1 >= 0 && c.beta1 < 1)) return fail("--beta1 must be in [0, 1)");
  if (!(c.beta2 >= 0 && c.beta2 < 1)) return fail("--beta2 must be in [0, 1)");
  if (!finitePositive(c.epsilon)) return fail("--epsilon must be a positive number");
  if (!(c.annealFactor > 0 && c.annealFactor <= 1)) return fail("--anneal-factor must be in (0, 1]");
  if (c.stepDecayEvery < 0) return fail("--step-decay-every must be 0 (off) or more epochs");
  if (!(c.stepDecayFactor > 0 && c.stepDecayFactor <= 1))
    return fail("--step-decay-factor must be in (0, 1]");
  if (!finitePositive(c.initScale)) return fail("--init-scale must be a positive number");
  if (c.threads < 1 || c.threads > 64) return fail("--threads must be between 1 and 64");
  return Ok{};
}

}  // namespace digitrain
