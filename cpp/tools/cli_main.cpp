// `digitrain`: the command-line front end of the engine (native, and compiled for Node).
// This file only dispatches; each command lives in its own cli_*.cpp.
#include <cstdio>
#include <exception>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"
#include "cli_settings.h"
#include "config_json.h"
#include "presets.h"

#ifndef DIGITRAIN_VERSION
#define DIGITRAIN_VERSION "0.1.0"
#endif

namespace digitrain::cli {
namespace {

constexpr const char* kCommands = "info, train, eval, predict, step, bench, augment, presets, settings, help";

void printUsage() {
  std::printf(
      "digitrain %s: train a multilayer perceptron on MNIST digits, as in the course labs.\n"
      "\n"
      "usage: digitrain <command> [flags]\n"
      "\n"
      "commands:\n"
      "  info FILE...      describe IDX files (.gz or raw): type, dimensions, label histogram\n"
      "  train             train a network (--train-images F --train-labels F [--preset P] ...)\n"
      "  eval              error rate, loss and confusion matrix of a saved model on a data set\n"
      "  predict           class probabilities of one image under a saved model\n"
      "  step              one SGD step on one sample in double precision, every value shown\n"
      "  bench             training and inference speed of the `tp` network on random data\n"
      "  augment           what augmentation costs and does to your digits (time, sparsity)\n"
      "  presets           the course labs' configurations (--preset names)\n"
      "  settings          every training setting: key, flag, range, default, presets (--json)\n"
      "  help [COMMAND]    this text, or a command's flags (same as `digitrain COMMAND --help`)\n"
      "\n"
      "  --help, -h        show help          --version   print the version\n"
      "\n"
      "exit status: 0 success, 2 bad input (one `error: ` line on stderr), 3 training diverged,\n"
      "130 interrupted.\n"
      "example:\n"
      "  digitrain train --train-images train-images-idx3-ubyte.gz --train-labels "
      "train-labels-idx1-ubyte.gz \\\n"
      "      --test-images t10k-images-idx3-ubyte.gz --test-labels t10k-labels-idx1-ubyte.gz \\\n"
      "      --preset tp --epochs 5 --save model.json\n",
      DIGITRAIN_VERSION);
}

constexpr const char* kPresetsHelp =
    "usage: digitrain presets [--json]\n"
    "\n"
    "Lists the named configurations --preset accepts: name, source lab and description.\n"
    "  --json    one JSON object per preset and line, with its full settings under \"config\"\n";

int runPresets(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto args = parseCommand("presets", argv, {{"--json", false}}, kPresetsHelp, exitStatus);
  if (!args) return exitStatus;
  for (const Preset& p : presets()) {
    if (args->has("--json")) {
      nlohmann::ordered_json j;
      j["name"] = p.name;
      j["source"] = p.source;
      j["description"] = p.description;
      const nlohmann::json config = configToJson(p.config);
      nlohmann::ordered_json ordered;  // in the model file's order, not alphabetical
      for (const std::string& key : configKeys())
        if (config.contains(key)) ordered[key] = config[key];
      j["config"] = ordered;
      std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("%-15s %s\n%-15s %s\n\n", p.name.c_str(), p.source.c_str(), "", p.description.c_str());
    }
  }
  return kExitOk;
}

int dispatch(const std::string& command, const std::vector<std::string>& rest) {
  if (command == "info") return runInfo(rest);
  if (command == "train") return runTrain(rest);
  if (command == "eval") return runEval(rest);
  if (command == "predict") return runPredict(rest);
  if (command == "step") return runStep(rest);
  if (command == "bench") return runBench(rest);
  if (command == "augment") return runAugment(rest);
  if (command == "presets") return runPresets(rest);
  if (command == "settings") return runSettings(rest);
  return reportError("unknown command " + quote(command) + "; the commands are " + kCommands +
                     " (see digitrain --help)");
}

int run(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    printUsage();
    return kExitOk;
  }
  const std::string& command = argv[0];
  if (command == "--version" || command == "-V" || command == "version") {
    std::printf("digitrain %s\n", DIGITRAIN_VERSION);
    return kExitOk;
  }
  if (command == "help") {
    if (argv.size() == 1) {
      printUsage();
      return kExitOk;
    }
    if (argv.size() > 2) return reportError("`digitrain help` takes at most one command name");
    if (argv[1] == "help") {
      printUsage();
      return kExitOk;
    }
    return dispatch(argv[1], {"--help"});
  }
  if (command.size() > 1 && command[0] == '-')
    return reportError("unknown flag " + command + " before the command; the commands are " + kCommands +
                       " (see digitrain --help)");
  return dispatch(command, std::vector<std::string>(argv.begin() + 1, argv.end()));
}

}  // namespace
}  // namespace digitrain::cli

int main(int argc, char** argv) {
  using namespace digitrain::cli;
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
    return kExitFailure;
  } catch (const std::exception& e) {
    reportError(std::string("internal failure: ") + e.what());
    return kExitFailure;
  } catch (...) {
    std::fprintf(stderr, "error: internal failure\n");
    return kExitFailure;
  }
}
