// `digitrain info FILE...`: what an IDX file holds, to check a download before training.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"
#include "dataset.h"

namespace digitrain::cli {
namespace {

constexpr const char* kHelp =
    "usage: digitrain info [--json] FILE...\n"
    "\n"
    "Describes each IDX file (raw or gzipped): element type, dimensions, number of items, the\n"
    "range of its values and, for a labels file, how many of each digit it holds.\n"
    "  --json    one JSON object per file and line: file, type, dims, count, elements, kind,\n"
    "            min, max, mean, and histogram (labels only: counts of 0..9)\n";

// The CLI's word for a file's kind: "labels" for any labels-shaped file, so that one whose
// values are not all digits is still described as such, with a note saying why it is not a
// labels file (the role the engine gives it is "other").
std::string kindOf(const IdxArray& a, const IdxSummary& s) {
  if (s.role == FileRole::Images) return "images";
  if (isLabelsShape(a.dims)) return "labels";
  return "array";
}

std::string dimsText(const std::vector<uint32_t>& dims) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? " × " : "") + std::to_string(dims[i]);
  return out;
}

void printHuman(const std::string& path, const IdxArray& a, const IdxSummary& s) {
  const std::string kind = kindOf(a, s);
  std::printf("%s\n", path.c_str());
  std::printf("  type        %s\n", name(a.type));
  std::printf("  dimensions  %s\n", dimsText(a.dims).c_str());
  const std::string count = thousands(double(a.dims[0]));
  if (kind == "images") std::printf("  count       %s images of %u×%u pixels\n", count.c_str(), a.dims[1], a.dims[2]);
  else if (kind == "labels") std::printf("  count       %s labels\n", count.c_str());
  else std::printf("  count       %s items, %s values\n", count.c_str(), thousands(double(a.count())).c_str());
  std::printf("  values      %s to %s, mean %s\n", shortNumber(s.min).c_str(), shortNumber(s.max).c_str(),
              shortNumber(s.mean, 4).c_str());
  if (s.role == FileRole::Labels) {
    const uint64_t total = a.count();
    const uint64_t most = *std::max_element(s.histogram.begin(), s.histogram.end());
    std::printf("  histogram   digit  count   share\n");
    for (int d = 0; d < 10; ++d) {
      const int bar = most ? static_cast<int>(std::lround(30.0 * double(s.histogram[d]) / double(most))) : 0;
      std::printf("              %5d %6s  %6s  %s\n", d, thousands(double(s.histogram[d])).c_str(),
                  percent(total ? double(s.histogram[d]) / double(total) : 0, 1).c_str(),
                  std::string(static_cast<size_t>(bar), '#').c_str());
    }
  } else if (kind == "labels") {
    std::printf("  note        not every value is a digit 0..9, so this is not an MNIST labels file\n");
  }
}

void printJson(const std::string& path, const IdxArray& a, const IdxSummary& s) {
  nlohmann::ordered_json j;
  j["file"] = path;
  j["type"] = name(a.type);
  j["dims"] = a.dims;
  j["count"] = a.dims[0];
  j["elements"] = a.count();
  j["kind"] = kindOf(a, s);
  j["min"] = s.min;
  j["max"] = s.max;
  j["mean"] = s.mean;
  if (s.role == FileRole::Labels) j["histogram"] = s.histogram;
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

}  // namespace

int runInfo(const std::vector<std::string>& argv) {
  int exitStatus = kExitOk;
  const auto args = parseCommand("info", argv, {{"--json", false}}, kHelp, exitStatus, /*allowPositional=*/true);
  if (!args) return exitStatus;
  if (args->positional().empty()) return reportError("`digitrain info` needs at least one IDX file");
  const bool json = args->has("--json");
  bool first = true;
  for (const std::string& path : args->positional()) {
    auto array = loadIdx(path);
    if (!array) return reportError(array.error());
    const IdxSummary s = summarise(*array);
    if (json) {
      printJson(path, *array, s);
    } else {
      if (!first) std::printf("\n");
      printHuman(path, *array, s);
    }
    std::fflush(stdout);
    first = false;
  }
  return kExitOk;
}

}  // namespace digitrain::cli
