// IDX reader: parses a byte buffer (no file I/O here; callers hand over bytes, already
// gunzipped). Big-endian header: two zero bytes, a type code, the rank, then `rank`
// 32-bit dimensions, then the payload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "expected.h"

namespace digitrain {

enum class IdxType : uint8_t { U8 = 0x08, I8 = 0x09, I16 = 0x0B, I32 = 0x0C, F32 = 0x0D, F64 = 0x0E };

const char* name(IdxType t);  // "u8", "i8", "i16", "i32", "f32", "f64"
int elementSize(IdxType t);

struct IdxLimits {
  int maxRank = 4;
  uint64_t maxElements = uint64_t{1} << 28;  // 256 Mi elements; MNIST train images: 47 Mi
  uint64_t maxBytes = uint64_t{1} << 30;     // 1 GiB of payload
};

struct IdxArray {
  IdxType type = IdxType::U8;
  std::vector<uint32_t> dims;
  // The payload converted to host byte order, element after element (for U8: the bytes).
  std::vector<uint8_t> data;

  uint64_t count() const;     // product of dims
  double at(size_t i) const;  // element i as a double, any type
};

// Parses `bytes`; `fileName` is only used in error messages, which each name one malformed
// class: bad magic, unknown type code, rank 0 or too large, a zero dimension, a size that
// overflows or exceeds the limits (checked before allocating), truncated payload (expected
// N bytes, got M), trailing bytes.
Expected<IdxArray> parseIdx(const uint8_t* bytes, size_t size, const std::string& fileName,
                            const IdxLimits& limits = {});

// Serialises an array back to IDX bytes (for tests, fixtures and the demo data).
std::vector<uint8_t> writeIdx(const IdxArray& array);

// "[60000, 28, 28]": dimensions as messages write them.
std::string dimsText(const std::vector<uint32_t>& dims);

// True when the buffer starts with the gzip magic 1F 8B.
bool isGzip(const uint8_t* bytes, size_t size);

}  // namespace digitrain
