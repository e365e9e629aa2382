// What the `digitrain` commands share: exit codes, the one-line error report, loading data
// and model files (always through readFileMaybeGzip, so the same code serves the native and
// the Node build), writing output files, and number formatting.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_args.h"
#include "dataset.h"
#include "expected.h"
#include "idx.h"
#include "model_io.h"

namespace digitrain::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;   // an internal failure (never bad input)
constexpr int kExitBadInput = 2;  // a bad flag, file or model: one `error: ` line on stderr
constexpr int kExitDiverged = 3;  // training stopped on NaN/infinity: `stopped: ` on stderr
constexpr int kExitInterrupted = 130;

// Prints "error: <message>" as exactly one line on stderr and returns kExitBadInput.
int reportError(const std::string& message);

// A command's flags (Args::parse), or nullopt when the command ends before it starts, with
// `exitStatus` set: a flag error reported (kExitBadInput), or `help` printed for --help (kExitOk).
std::optional<Args> parseCommand(const std::string& command, const std::vector<std::string>& argv,
                                 const std::vector<FlagSpec>& flags, const std::string& help, int& exitStatus,
                                 bool allowPositional = false);

// The commands, each given the words after its name; they return the exit status.
int runInfo(const std::vector<std::string>& argv);
int runTrain(const std::vector<std::string>& argv);
int runEval(const std::vector<std::string>& argv);
int runPredict(const std::vector<std::string>& argv);
int runStep(const std::vector<std::string>& argv);
int runBench(const std::vector<std::string>& argv);
int runAugment(const std::vector<std::string>& argv);

// Reads a file (gunzipped when it starts with the gzip magic); errors name the file.
Expected<std::vector<uint8_t>> readBytes(const std::string& path);
Expected<std::string> readText(const std::string& path);
Expected<IdxArray> loadIdx(const std::string& path);
Expected<std::shared_ptr<const Dataset>> loadDataset(const std::string& imagesPath, const std::string& labelsPath);
// Images without labels (for predict): the same checks as a labelled set.
Expected<std::shared_ptr<const Dataset>> loadImages(const std::string& imagesPath);
Expected<Model> loadModel(const std::string& path);

// Checks before a long run that `path` can be written later: its folder exists and it is
// not itself a folder. `flag` names the option in the message.
Status checkWritable(const std::string& flag, const std::string& path);
Status writeFile(const std::string& path, const void* data, size_t size);

bool stderrIsTerminal();

// "12.34%"; "1,234,567"; "%g"-style with `digits` significant digits.
std::string percent(double fraction, int decimals = 2);
std::string thousands(double value);
std::string shortNumber(double value, int digits = 6);
// "784-128-64-10".
std::string layerText(const std::vector<int>& sizes);
// The same with a convnet's conv/pool layers after the inputs: "784-conv5x8-pool2-10".
std::string layerText(const TrainConfig& config);

}  // namespace digitrain::cli
