// `digitrain info FILE...`: what an IDX file holds, to check a download before training.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_args.h"
#include "cli_common.h"

namespace digitrain::cli {
namespace {

constexpr const char* kHelp =
    "usage: digitrain info [--json] FILE...\n"
    "\n"
    "Describes each IDX file (raw or gzipped): element type, dimensions, number of items, the\n"
    "range of its values and, for a labels file, how many of each digit it holds.\n"
    "  --json    one JSON object per file and line: file, type, dims, count, elements, kind,\n"
    "            min, max, mean, and histogram (labels only: counts of 0..9)\n";

struct Summary {
  std::string kind;  // "labels", "images" or "array"
  double min = 0, max = 0, mean = 0;
  bool digits = false;  // every value is a whole number in 0..9
  std::array<uint64_t, 10> histogram{};
};

Summary summarise(const IdxArray& a) {
  Summary s;
  const size_t rank = a.dims.size();
  if (rank == 1 || (rank == 2 && a.dims[1] == 1)) s.kind = "labels";
  else if (rank == 3) s.kind = "images";
  else s.kind = "array";

  const uint64_t n = a.count();
  double sum = 0;
  s.min = INFINITY;
  s.max = -INFINITY;
  s.digits = s.kind == "labels";
  if (a.type == IdxType::U8) {
    std::array<uint64_t, 256> counts{};
    for (uint64_t i = 0; i < n; ++i) ++counts[a.data[i]];
    for (int v = 0; v < 256; ++v) {
      if (!counts[v]) continue;
      s.min = std::min<double>(s.min, v);
      s.max = std::max<double>(s.max, v);
      sum += double(v) * double(counts[v]);
      if (v < 10) s.histogram[v] = counts[v];
      else s.digits = false;
    }
  } else {
    for (uint64_t i = 0; i < n; ++i) {
      const double x = a.at(i);
      s.min = std::min(s.min, x);
      s.max = std::max(s.max, x);
      sum += x;
      if (s.digits) {
        if (x >= 0 && x <= 9 && x == std::floor(x)) ++s.histogram[static_cast<int>(x)];
        else s.digits = false;
      }
    }
  }
  s.mean = n ? sum / double(n) : 0;
  return s;
}

std::string dimsText(const std::vector<uint32_t>& dims) {
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? " × " : "") + std::to_string(dims[i]);
  return out;
}

void printHuman(const std::string& path, const IdxArray& a, const Summary& s) {
  std::printf("%s\n", path.c_str());
  std::printf("  type        %s\n", name(a.type));
  std::printf("  dimensions  %s\n", dimsText(a.dims).c_str());
  const std::string count = thousands(double(a.dims[0]));
  if (s.kind == "images")
    std::printf("  count       %s images of %u×%u pixels\n", count.c_str(), a.dims[1], a.dims[2]);
  else if (s.kind == "labels")
    std::printf("  count       %s labels\n", count.c_str());
  else
    std::printf("  count       %s items, %s values\n", count.c_str(), thousands(double(a.count())).c_str());
  std::printf("  values      %s to %s, mean %s\n", shortNumber(s.min).c_str(), shortNumber(s.max).c_str(),
              shortNumber(s.mean, 4).c_str());
  if (s.digits) {
    const uint64_t total = a.count();
    const uint64_t most = *std::max_element(s.histogram.begin(), s.histogram.end());
    std::printf("  histogram   digit  count   share\n");
    for (int d = 0; d < 10; ++d) {
      const int bar = most ? static_cast<int>(std::lround(30.0 * double(s.histogram[d]) / double(most))) : 0;
      std::printf("              %5d %6s  %6s  %s\n", d, thousands(double(s.histogram[d])).c_str(),
                  percent(total ? double(s.histogram[d]) / double(total) : 0, 1).c_str(),
                  std::string(static_cast<size_t>(bar), '#').c_str());
    }
  } else if (s.kind == "labels") {
    std::printf("  note        not every value is a digit 0..9, so this is not an MNIST labels file\n");
  }
}

void printJson(const std::string& path, const IdxArray& a, const Summary& s) {
  nlohmann::ordered_json j;
  j["file"] = path;
  j["type"] = name(a.type);
  j["dims"] = a.dims;
  j["count"] = a.dims[0];
  j["elements"] = a.count();
  j["kind"] = s.kind;
  j["min"] = s.min;
  j["max"] = s.max;
  j["mean"] = s.mean;
  if (s.digits) j["histogram"] = s.histogram;
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

}  // namespace

int runInfo(const std::vector<std::string>& argv) {
  auto args = Args::parse("info", argv, {{"--json", false}}, /*allowPositional=*/true);
  if (!args) return reportError(args.error());
  if (args->help()) {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (args->positional().empty()) return reportError("`digitrain info` needs at least one IDX file");
  const bool json = args->has("--json");
  bool first = true;
  for (const std::string& path : args->positional()) {
    auto array = loadIdx(path);
    if (!array) return reportError(array.error());
    const Summary s = summarise(*array);
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
