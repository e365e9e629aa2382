// IDX parsing and writing (the MNIST file format): every malformed file gets a message
// that names the file and says what is wrong, because the browser shows it to whoever
// dropped the file and the CLI prints it as is.
#include "idx.h"

#include <cstdio>
#include <cstring>
#include <limits>

namespace digitrain {
namespace {

std::string hex2(uint8_t b) {
  char buf[3];
  std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned>(b));
  return buf;
}

bool isKnownType(uint8_t code) {
  switch (code) {
    case 0x08:
    case 0x09:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x0E: return true;
    default: return false;
  }
}

// People drop whatever file they have at hand; recognising the common ones turns
// "bad magic" into something they can act on.
std::string sniff(const uint8_t* b, size_t n) {
  auto starts = [&](std::initializer_list<uint8_t> magic) {
    if (n < magic.size()) return false;
    size_t i = 0;
    for (uint8_t m : magic)
      if (b[i++] != m) return false;
    return true;
  };
  if (starts({0x89, 'P', 'N', 'G'})) return "this looks like a PNG image";
  if (starts({0xFF, 0xD8, 0xFF})) return "this looks like a JPEG image";
  if (starts({0x1F, 0x8B})) return "this looks like a gzip file: unpack it first (or load it as .gz)";
  if (starts({'P', 'K', 0x03, 0x04}) || starts({'P', 'K', 0x05, 0x06}))
    return "this looks like a zip archive: extract the IDX files from it first";
  if (starts({'G', 'I', 'F', '8'})) return "this looks like a GIF image";
  if (starts({'%', 'P', 'D', 'F'})) return "this looks like a PDF document";
  // The IDX magic read the wrong way round (a little-endian writer).
  if (n >= 4 && b[2] == 0 && b[3] == 0 && isKnownType(b[1]) && b[0] >= 1 && b[0] <= 4)
    return "this looks like an IDX header written in little-endian byte order";
  // Text: skip a UTF-8 BOM and leading whitespace, then look at what starts the content.
  size_t i = starts({0xEF, 0xBB, 0xBF}) ? 3 : 0;
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
  if (i < n && b[i] == '<')
    return "this looks like an HTML or XML page, perhaps an error page saved in place of the data";
  size_t printable = 0, sample = n < 64 ? n : 64;
  for (size_t k = 0; k < sample; ++k)
    if ((b[k] >= 0x20 && b[k] < 0x7F) || b[k] == '\n' || b[k] == '\r' || b[k] == '\t') ++printable;
  if (sample >= 2 && printable == sample) {
    if (i < n && (b[i] == '{' || b[i] == '[')) return "this looks like a JSON text file";
    return "this looks like a text file";
  }
  return "";
}

uint64_t readBE(const uint8_t* p, int size) {
  uint64_t v = 0;
  for (int k = 0; k < size; ++k) v = (v << 8) | p[k];
  return v;
}

void writeBE(uint8_t* p, uint64_t v, int size) {
  for (int k = size - 1; k >= 0; --k) {
    p[k] = static_cast<uint8_t>(v & 0xFF);
    v >>= 8;
  }
}

// Copies `count` big-endian elements of `size` bytes into host order. Going through an
// unsigned integer of the same width keeps this independent of the host's endianness.
void toHostOrder(const uint8_t* in, uint8_t* out, uint64_t count, int size) {
  switch (size) {
    case 1:
      if (count) std::memcpy(out, in, count);
      return;
    case 2:
      for (uint64_t i = 0; i < count; ++i) {
        auto v = static_cast<uint16_t>(readBE(in + 2 * i, 2));
        std::memcpy(out + 2 * i, &v, 2);
      }
      return;
    case 4:
      for (uint64_t i = 0; i < count; ++i) {
        auto v = static_cast<uint32_t>(readBE(in + 4 * i, 4));
        std::memcpy(out + 4 * i, &v, 4);
      }
      return;
    default:
      for (uint64_t i = 0; i < count; ++i) {
        uint64_t v = readBE(in + 8 * i, 8);
        std::memcpy(out + 8 * i, &v, 8);
      }
      return;
  }
}

// The element at `p`, a T in host order; memcpy because `p` need not be aligned for T.
template <class T>
double load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return static_cast<double>(v);
}

}  // namespace

const char* name(IdxType t) {
  switch (t) {
    case IdxType::U8: return "u8";
    case IdxType::I8: return "i8";
    case IdxType::I16: return "i16";
    case IdxType::I32: return "i32";
    case IdxType::F32: return "f32";
    case IdxType::F64: return "f64";
  }
  return "?";
}

int elementSize(IdxType t) {
  switch (t) {
    case IdxType::U8:
    case IdxType::I8: return 1;
    case IdxType::I16: return 2;
    case IdxType::I32:
    case IdxType::F32: return 4;
    case IdxType::F64: return 8;
  }
  return 1;
}

uint64_t IdxArray::count() const {
  // No dimensions is not a valid IDX array; treating it as empty keeps at() out of data.
  if (dims.empty()) return 0;
  uint64_t n = 1;
  for (uint32_t d : dims) n *= d;
  return n;
}

double IdxArray::at(size_t i) const {
  const uint8_t* p = data.data() + i * static_cast<size_t>(elementSize(type));
  switch (type) {
    case IdxType::U8: return *p;
    case IdxType::I8: return static_cast<int8_t>(*p);
    case IdxType::I16: return load<int16_t>(p);
    case IdxType::I32: return load<int32_t>(p);
    case IdxType::F32: return load<float>(p);
    case IdxType::F64: return load<double>(p);
  }
  return 0;
}

Expected<IdxArray> parseIdx(const uint8_t* bytes, size_t size, const std::string& fileName, const IdxLimits& limits) {
  const std::string file = fileName.empty() ? std::string("IDX data") : fileName;
  auto error = [&](const std::string& what) { return fail(file + ": " + what); };

  if (size == 0 || bytes == nullptr)
    return error("empty file: expected an IDX file (a 4-byte header, the dimensions, then the data), got 0 bytes");
  if (size >= 2 && (bytes[0] != 0 || bytes[1] != 0)) {
    std::string msg =
        "bad magic: expected 00 00 at the start of an IDX file, found " + hex2(bytes[0]) + " " + hex2(bytes[1]);
    std::string hint = sniff(bytes, size);
    if (!hint.empty()) msg += " (" + hint + ")";
    return error(msg);
  }
  if (size < 4) return error("header truncated: an IDX file starts with 4 header bytes, got " + std::to_string(size));

  const uint8_t code = bytes[2];
  if (!isKnownType(code))
    return error("unknown type code 0x" + hex2(code) +
                 ": expected 0x08 (u8), 0x09 (i8), 0x0B (i16), 0x0C (i32), 0x0D (f32) or 0x0E (f64)");
  const auto type = static_cast<IdxType>(code);
  const int esize = elementSize(type);

  const int rank = bytes[3];
  if (rank == 0) return error("rank 0: the header says the array has no dimensions; an IDX file needs at least one");
  if (rank > limits.maxRank)
    return error("rank " + std::to_string(rank) + " is over the limit of " + std::to_string(limits.maxRank) +
                 " dimensions");

  const size_t headerBytes = 4 + 4 * static_cast<size_t>(rank);
  if (size < headerBytes)
    return error("header truncated: rank " + std::to_string(rank) + " needs " + std::to_string(headerBytes) +
                 " header bytes, got " + std::to_string(size));

  IdxArray array;
  array.type = type;
  array.dims.resize(rank);
  for (int k = 0; k < rank; ++k) array.dims[k] = static_cast<uint32_t>(readBE(bytes + 4 + 4 * k, 4));

  for (int k = 0; k < rank; ++k)
    if (array.dims[k] == 0)
      return error("dimension " + std::to_string(k + 1) + " of " + std::to_string(rank) + " is 0 (dimensions are " +
                   dimsText(array.dims) + "): an IDX array cannot be empty");

  // The header is attacker-controlled: size everything in 64 bits and compare against the
  // limits before a single byte of payload is allocated.
  uint64_t elements = 1;
  for (int k = 0; k < rank; ++k) {
    const uint64_t d = array.dims[k];
    if (elements > std::numeric_limits<uint64_t>::max() / d)
      return error("too large: dimensions " + dimsText(array.dims) + " overflow a 64-bit element count (the limit is " +
                   std::to_string(limits.maxElements) + " elements)");
    elements *= d;
  }
  if (elements > limits.maxElements)
    return error("too large: dimensions " + dimsText(array.dims) + " make " + std::to_string(elements) +
                 " elements, over the limit of " + std::to_string(limits.maxElements) + " elements");
  if (elements > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(esize))
    return error("too large: dimensions " + dimsText(array.dims) + " of " + name(type) +
                 " overflow a 64-bit byte count (the limit is " + std::to_string(limits.maxBytes) + " bytes)");
  const uint64_t payload = elements * static_cast<uint64_t>(esize);
  if (payload > limits.maxBytes)
    return error("too large: dimensions " + dimsText(array.dims) + " of " + name(type) + " make " +
                 std::to_string(payload) + " bytes of payload, over the limit of " + std::to_string(limits.maxBytes) +
                 " bytes");

  const uint64_t have = size - headerBytes;
  if (have < payload)
    return error("truncated: expected " + std::to_string(payload) + " bytes of payload, got " + std::to_string(have) +
                 " (the header says " + dimsText(array.dims) + " " + name(type) + "; was the download interrupted?)");
  if (have > payload)
    return error("trailing bytes: expected " + std::to_string(payload) + " bytes, found " +
                 std::to_string(have - payload) + " extra after the payload (the header says " + dimsText(array.dims) +
                 " " + name(type) + ")");
  if (payload > std::numeric_limits<size_t>::max())
    return error("too large for this platform's address space: " + std::to_string(payload) + " bytes");

  array.data.resize(static_cast<size_t>(payload));
  toHostOrder(bytes + headerBytes, array.data.data(), elements, esize);
  return array;
}

std::vector<uint8_t> writeIdx(const IdxArray& array) {
  const int esize = elementSize(array.type);
  const size_t rank = array.dims.size();
  const size_t elements = static_cast<size_t>(array.count());
  std::vector<uint8_t> out(4 + 4 * rank + elements * static_cast<size_t>(esize), 0);
  out[2] = static_cast<uint8_t>(array.type);
  out[3] = static_cast<uint8_t>(rank);
  for (size_t k = 0; k < rank; ++k) writeBE(out.data() + 4 + 4 * k, array.dims[k], 4);
  uint8_t* payload = out.data() + 4 + 4 * rank;
  // A hand-built array may hold fewer bytes than its dims promise; the rest stays zero.
  const size_t available = array.data.size() / static_cast<size_t>(esize);
  const size_t n = elements < available ? elements : available;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = array.data.data() + i * esize;
    uint64_t v = 0;
    switch (esize) {
      case 1: v = *p; break;
      case 2: {
        uint16_t x;
        std::memcpy(&x, p, 2);
        v = x;
        break;
      }
      case 4: {
        uint32_t x;
        std::memcpy(&x, p, 4);
        v = x;
        break;
      }
      default: std::memcpy(&v, p, 8); break;
    }
    writeBE(payload + i * esize, v, esize);
  }
  return out;
}

std::string dimsText(const std::vector<uint32_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

bool isGzip(const uint8_t* bytes, size_t size) {
  return bytes != nullptr && size >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
}

}  // namespace digitrain
