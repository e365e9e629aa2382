// libFuzzer target: gunzip (with a small output limit, the zip-bomb guard) and then
// parseIdx, as the CLI loads a .gz data file.
// Properties: never crashes, leaks or hits UB; every error names the file; the output
// never exceeds the limit; the limit is exact: a limit of exactly the unpacked size
// succeeds with the same bytes, one byte less is refused with a message naming the limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "gzip.h"
#include "idx.h"

using namespace digitrain;

namespace {
constexpr uint64_t kMaxOut = uint64_t{1} << 16;  // 64 KiB: 27 MNIST digits; seeds are smaller
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> bytes(data, data + size);
  auto out = gunzip(bytes, "fuzz.gz", kMaxOut);
  if (!out) {
    FUZZ_CHECK(fuzz::startsWith(out.error(), "fuzz.gz: "), out.error());
    return 0;
  }
  const std::vector<uint8_t>& raw = out.value();
  FUZZ_CHECK(raw.size() <= kMaxOut, "output over the limit: " + std::to_string(raw.size()));

  // The limit is exact.
  auto exact = gunzip(bytes, "fuzz.gz", raw.size());
  FUZZ_CHECK(exact && exact.value() == raw, exact ? "different output at the exact limit" : exact.error());
  if (!raw.empty()) {
    auto under = gunzip(bytes, "fuzz.gz", raw.size() - 1);
    FUZZ_CHECK(!under, "output of " + std::to_string(raw.size()) + " bytes passed a limit one byte smaller");
    FUZZ_CHECK(under.error().find("the limit") != std::string::npos, under.error());
  }

  IdxLimits limits;
  limits.maxElements = uint64_t{1} << 20;
  limits.maxBytes = kMaxOut;
  auto parsed = parseIdx(raw.data(), raw.size(), "fuzz.gz", limits);
  if (!parsed) {
    FUZZ_CHECK(fuzz::startsWith(parsed.error(), "fuzz.gz: "), parsed.error());
    return 0;
  }
  FUZZ_CHECK(parsed->data.size() == parsed->count() * static_cast<uint64_t>(elementSize(parsed->type)), "payload size");
  FUZZ_CHECK(writeIdx(parsed.value()) == raw, "writeIdx round trip");
  return 0;
}
