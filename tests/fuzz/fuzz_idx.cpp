// libFuzzer target: parseIdx on raw bytes.
// Properties: never crashes, leaks or hits UB; every error names the file; whatever parses
// is self-consistent and writeIdx gives back exactly the input bytes; the small limits used
// here only ever refuse more than the default limits, never something different.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_common.h"
#include "idx.h"

using namespace digitrain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  IdxLimits small;
  small.maxElements = uint64_t{1} << 20;
  small.maxBytes = uint64_t{1} << 23;

  auto parsed = parseIdx(data, size, "fuzz.idx", small);
  if (!parsed) {
    FUZZ_CHECK(fuzz::startsWith(parsed.error(), "fuzz.idx: "), parsed.error());
    // The default limits are wider, and the payload must be in the input before anything
    // is allocated, so parsing again with them is bounded by the input size too.
    auto wide = parseIdx(data, size, "fuzz.idx");
    if (wide) FUZZ_CHECK(parsed.error().find("too large") != std::string::npos, parsed.error());
    // An unnamed buffer still gets a name in the message.
    auto unnamed = parseIdx(data, size, "", small);
    FUZZ_CHECK(!unnamed && fuzz::startsWith(unnamed.error(), "IDX data: "), "unnamed error");
    return 0;
  }

  const IdxArray& a = parsed.value();
  FUZZ_CHECK(!a.dims.empty() && a.dims.size() <= 4, "rank");
  uint64_t count = 1;
  for (uint32_t d : a.dims) {
    FUZZ_CHECK(d > 0, "zero dimension accepted");
    count *= d;
  }
  FUZZ_CHECK(count == a.count(), "count()");
  FUZZ_CHECK(count <= small.maxElements, "maxElements not enforced");
  FUZZ_CHECK(a.data.size() == count * static_cast<uint64_t>(elementSize(a.type)), "payload size");
  FUZZ_CHECK(a.data.size() <= small.maxBytes, "maxBytes not enforced");
  FUZZ_CHECK(std::string(name(a.type)) != "?", "type name");

  // Every element can be read (ASan checks the bounds); the first agrees with the input.
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += a.at(i);
  (void)sum;
  const size_t header = 4 + 4 * a.dims.size();
  if (a.type == IdxType::U8) FUZZ_CHECK(a.at(0) == data[header], "u8 element 0");
  if (a.type == IdxType::I8) FUZZ_CHECK(a.at(0) == static_cast<int8_t>(data[header]), "i8 element 0");
  if (a.type == IdxType::I16)
    FUZZ_CHECK(a.at(0) == static_cast<int16_t>(data[header] << 8 | data[header + 1]), "i16 element 0");

  // Round trip: the bytes that parsed are the bytes written back.
  const std::vector<uint8_t> written = writeIdx(a);
  FUZZ_CHECK(written.size() == size, "writeIdx size " + std::to_string(written.size()) + " != " + std::to_string(size));
  FUZZ_CHECK(std::memcmp(written.data(), data, size) == 0, "writeIdx bytes differ from the input");

  // And the default limits accept the same array.
  auto wide = parseIdx(data, size, "fuzz.idx");
  FUZZ_CHECK(wide && wide->dims == a.dims && wide->type == a.type && wide->data == a.data, "default limits disagree");
  FUZZ_CHECK(!isGzip(data, size), "an IDX file cannot start with the gzip magic");
  return 0;
}
