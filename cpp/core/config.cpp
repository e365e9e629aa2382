#include "config.h"

#include <string>

#include "settings.h"

namespace digitrain {

NetworkSpec TrainConfig::networkSpec() const {
  NetworkSpec spec;
  spec.sizes = layers;
  const size_t count = layers.empty() ? 0 : layers.size() - 1;
  for (size_t i = 0; i < count; ++i) spec.activations.push_back(i + 1 == count ? output : hidden);
  spec.loss = loss;
  spec.bias = bias;
  spec.biasInit = biasInit;
  spec.init = init;
  spec.initScale = initScale;
  spec.front = front;
  spec.frontActivation = hidden;
  return spec;
}

Status validate(const TrainConfig& c) {
  // Every range and rule is in the settings table (settings.cpp).
  if (const auto e = checkSettings(c)) return fail(e->message());
  return Ok{};
}

}  // namespace digitrain
