// networkToNpz: .npy arrays in a stored ZIP (see npz.h). Not a general ZIP or NPY writer:
// float32 arrays of rank 1 and 2, under 4 GiB in all (no ZIP64; the model file's limits keep
// a network far below that).
#include "npz.h"

#include <array>
#include <cstring>
#include <string>

namespace digitrain {
namespace {

// Little-endian on every host: NPY's '<f4' and the ZIP headers say so, whatever the CPU.
void put16(std::vector<uint8_t>& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>& out, uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}
void putFloat(std::vector<uint8_t>& out, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  put32(out, bits);
}

// NPY 1.0: magic, version, header length, then a Python dict literal padded with spaces
// and a newline so that the data starts on a 64-byte boundary, as NumPy itself writes it.
std::vector<uint8_t> npyHeader(const std::string& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  const size_t preamble = 10;  // "\x93NUMPY", 2 version bytes, 2 length bytes
  while ((preamble + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  put16(out, static_cast<uint32_t>(dict.size()));
  out.insert(out.end(), dict.begin(), dict.end());
  return out;
}

// weights(i, j) in C order: row i (input unit i) after row i - 1, as `a @ W` expects.
std::vector<uint8_t> npyMatrix(const Matrix& m) {
  auto out = npyHeader("(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")");
  out.reserve(out.size() + static_cast<size_t>(m.size()) * 4);
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) putFloat(out, m(i, j));
  return out;
}

// A conv kernel as (out, in, kh, kw), the order PyTorch and most NumPy code keep one in
// (conv.h stores it as a (kh·kw·in) × out matrix).
std::vector<uint8_t> npyKernel(const FrontLayer& f) {
  const int k = f.spec.kernel, C = f.in.c, O = f.spec.filters;
  auto out = npyHeader("(" + std::to_string(O) + ", " + std::to_string(C) + ", " + std::to_string(k) + ", " +
                       std::to_string(k) + ")");
  for (int o = 0; o < O; ++o)
    for (int c = 0; c < C; ++c)
      for (int ky = 0; ky < k; ++ky)
        for (int kx = 0; kx < k; ++kx) putFloat(out, f.weights((ky * k + kx) * C + c, o));
  return out;
}

std::vector<uint8_t> npyVector(const Vector& v) {
  auto out = npyHeader("(" + std::to_string(v.size()) + ",)");
  for (Eigen::Index j = 0; j < v.size(); ++j) putFloat(out, v(j));
  return out;
}

const std::array<uint32_t, 256>& crcTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  return table;
}

struct Entry {
  std::string name;
  uint32_t crc = 0;
  uint32_t size = 0;
  uint32_t offset = 0;  // of its local header
};

// Fixed time stamp (1980-01-01 00:00, the DOS epoch): the same network gives the same bytes.
constexpr uint32_t kDosTime = 0;
constexpr uint32_t kDosDate = (0 << 9) | (1 << 5) | 1;
constexpr uint32_t kVersionNeeded = 20;  // 2.0, what NumPy's own zipfile writes

}  // namespace

uint32_t zipCrc32(const uint8_t* data, size_t size) {
  const auto& table = crcTable();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<uint8_t> networkToNpz(const Network& network) {
  std::vector<uint8_t> zip;
  std::vector<Entry> entries;

  auto add = [&](const std::string& name, const std::vector<uint8_t>& data) {
    Entry e{name, zipCrc32(data.data(), data.size()), static_cast<uint32_t>(data.size()),
            static_cast<uint32_t>(zip.size())};
    put32(zip, 0x04034b50);  // local file header
    put16(zip, kVersionNeeded);
    put16(zip, 0);  // flags
    put16(zip, 0);  // method: stored
    put16(zip, kDosTime);
    put16(zip, kDosDate);
    put32(zip, e.crc);
    put32(zip, e.size);  // compressed
    put32(zip, e.size);  // uncompressed
    put16(zip, static_cast<uint32_t>(name.size()));
    put16(zip, 0);  // extra field length
    zip.insert(zip.end(), name.begin(), name.end());
    zip.insert(zip.end(), data.begin(), data.end());
    entries.push_back(e);
  };

  int conv = 0;
  for (const FrontLayer& f : network.front) {
    if (!f.isConv()) continue;
    const std::string n = std::to_string(++conv);  // conv1_w, conv1_b: the conv layers, from 1
    add("conv" + n + "_w.npy", npyKernel(f));
    if (f.hasBias()) add("conv" + n + "_b.npy", npyVector(f.bias));
  }
  for (size_t k = 0; k < network.layers.size(); ++k) {
    const Layer& layer = network.layers[k];
    const std::string n = std::to_string(k + 1);  // w1, b1: the labs count layers from 1
    add("w" + n + ".npy", npyMatrix(layer.weights));
    if (layer.hasBias()) add("b" + n + ".npy", npyVector(layer.bias));
  }

  const auto directoryOffset = static_cast<uint32_t>(zip.size());
  for (const Entry& e : entries) {
    put32(zip, 0x02014b50);      // central directory header
    put16(zip, kVersionNeeded);  // made by: MS-DOS attributes, version 2.0
    put16(zip, kVersionNeeded);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, kDosTime);
    put16(zip, kDosDate);
    put32(zip, e.crc);
    put32(zip, e.size);
    put32(zip, e.size);
    put16(zip, static_cast<uint32_t>(e.name.size()));
    put16(zip, 0);  // extra field length
    put16(zip, 0);  // comment length
    put16(zip, 0);  // disk number
    put16(zip, 0);  // internal attributes
    put32(zip, 0);  // external attributes
    put32(zip, e.offset);
    zip.insert(zip.end(), e.name.begin(), e.name.end());
  }
  const auto directorySize = static_cast<uint32_t>(zip.size()) - directoryOffset;

  put32(zip, 0x06054b50);  // end of central directory
  put16(zip, 0);           // this disk
  put16(zip, 0);           // disk with the directory
  put16(zip, static_cast<uint32_t>(entries.size()));
  put16(zip, static_cast<uint32_t>(entries.size()));
  put32(zip, directorySize);
  put32(zip, directoryOffset);
  put16(zip, 0);  // comment length
  return zip;
}

}  // namespace digitrain
