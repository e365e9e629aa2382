// The training settings on the command line, all derived from the settings table
// (cpp/core/settings.h): their flags, how each flag's text becomes a value, the settings part
// of `digitrain train --help`, and the `digitrain settings` command that prints the table.
#pragma once

#include <string>
#include <vector>

#include "cli_args.h"
#include "config.h"

namespace digitrain::cli {

// One FlagSpec per setting flag and alias, --preset included.
std::vector<FlagSpec> settingFlags();

// Applies every setting flag present in `args` (all but --preset, which picks the base) to
// `config`, then validates it. Errors name the flag: "--momentum must be at least 0 and below
// 1, got 1".
Status applySettingFlags(const Args& args, TrainConfig& config);

// "  --lr X                  step size: a number above 0 and at most 1000000\n" ...
std::string settingsHelp();

// `digitrain settings [--json]`.
int runSettings(const std::vector<std::string>& argv);

}  // namespace digitrain::cli
