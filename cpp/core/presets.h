// The course labs as named configurations. Each preset reproduces its lab's network,
// initialisation, loss, gradient reduction and schedule; the README cites each source.
#pragma once

#include <string>
#include <vector>

#include "config.h"

namespace digitrain {

struct Preset {
  std::string name;
  std::string source;       // which lab it comes from
  std::string description;  // one line for the page and `--help`
  TrainConfig config;
};

const std::vector<Preset>& presets();
Expected<TrainConfig> presetConfig(const std::string& name);

}  // namespace digitrain
