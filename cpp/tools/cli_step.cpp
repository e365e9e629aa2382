// `digitrain step`: one SGD step on one (input, target) pair in double precision, with every
// intermediate value, to check a pen-and-paper forward and backward pass.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"
#include "inspector.h"
#include "session.h"

namespace digitrain::cli {
namespace {

constexpr const char* kHelp =
    "usage: digitrain step --model FILE --input X --target Y [--lr L] [--pretty]\n"
    "\n"
    "One SGD step on one sample, computed in double precision from the numbers exactly as the\n"
    "model file writes them (0.3 stays 0.3), printed as one JSON object: input, target,\n"
    "learning_rate, loss_before, output_before, per layer z, a, e (= dL/dz), weight_gradient,\n"
    "bias_gradient, weights_after, bias_after, then output_after and loss_after.\n"
    "  --input X    a JSON file holding an array of numbers, or the array itself: '[0.8, 0.2]'\n"
    "  --target Y   the same for the target\n"
    "  --lr L       learning rate (default: the model's own, else 0.1)\n"
    "  --pretty     indent the JSON (--json is accepted too: the output is always JSON)\n";

using nlohmann::json;

// A JSON array of numbers (or one number) from a file or, when `value` starts with '[', from
// the flag itself.
Expected<std::vector<double>> readVector(const std::string& flag, const std::string& value) {
  const bool inline_ = !value.empty() && value.front() == '[';
  std::string text = value;
  const std::string where = inline_ ? flag : flag + " " + value;
  if (!inline_) {
    auto read = readText(value);
    if (!read) return fail(flag + " " + read.error());
    text = std::move(read.value());
  }
  return numbersFromJson(text, where);
}

}  // namespace

int runStep(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto parsed = parseCommand(
      "step", argv, flagList({"--model", "--input", "--target", "--lr"}, {"--pretty", "--json"}), kHelp, exitStatus);
  if (!parsed) return exitStatus;
  const Args& args = *parsed;
  std::string modelPath, inputArg, targetArg;
  if (Status s = args.required("--model", "FILE (a digitrain model file)", modelPath); !s)
    return reportError(s.error());
  if (Status s = args.required("--input", "X (a JSON array of numbers, or a file holding one)", inputArg); !s)
    return reportError(s.error());
  if (Status s = args.required("--target", "Y (a JSON array of numbers, or a file holding one)", targetArg); !s)
    return reportError(s.error());
  std::optional<double> lr;
  if (const auto v = args.get("--lr")) {
    auto x = parseNumber("--lr", *v);
    if (!x) return reportError(x.error());
    if (*x < 0) return reportError("--lr must be 0 or more, got " + quote(*v));
    lr = *x;
  }

  auto text = readText(modelPath);
  if (!text) return reportError(text.error());
  auto model = modelFromJson(*text, modelPath);
  if (!model) return reportError(model.error());
  auto net = networkInDoublePrecision(*text, modelPath);
  if (!net) return reportError(net.error());
  auto input = readVector("--input", inputArg);
  if (!input) return reportError(input.error());
  auto target = readVector("--target", targetArg);
  if (!target) return reportError(target.error());
  if (!lr) lr = model->config ? model->config->learningRate : 0.1;
  const std::pair<const char*, const std::vector<double>*> sizes[] = {{"--input", &input.value()},
                                                                      {"--target", &target.value()}};
  for (const auto& [flag, values] : sizes) {
    const bool isInput = values == &input.value();
    const int expected = isInput ? net->inputs() : net->outputs();
    if (static_cast<int>(values->size()) != expected)
      return reportError(std::string(flag) + " has " + std::to_string(values->size()) + " values but the model " +
                         modelPath + " has " + std::to_string(expected) + (isInput ? " inputs" : " outputs"));
  }

  auto step = inspectStep(*net, *input, *target, *lr);
  if (!step) return reportError(step.error());
  const json out = inspectionToJson(*step);
  std::printf("%s\n", out.dump(args.has("--pretty") ? 2 : -1, ' ', false, json::error_handler_t::replace).c_str());
  return kExitOk;
}

}  // namespace digitrain::cli
