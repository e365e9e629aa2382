// Tests for npz.h: the archive's structure byte by byte, and that NumPy itself loads it with
// the same float32 values in the same orientation (skipped where python3 + numpy are absent).
#include "npz.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace digitrain {
namespace {

uint32_t read16(const std::vector<uint8_t>& b, size_t at) { return b[at] | (b[at + 1] << 8); }
uint32_t read32(const std::vector<uint8_t>& b, size_t at) { return read16(b, at) | (read16(b, at + 2) << 16); }

// 3 inputs → 4 units with a bias → 2 units without: w1 (3, 4), b1 (4,), w2 (4, 2).
// Every weight is different, so a transposed or Fortran-ordered array would show.
Network smallNetwork() {
  Network net;
  net.loss = Loss::CrossEntropy;
  Layer hidden;
  hidden.activation = Activation::Tanh;
  hidden.weights.resize(3, 4);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) hidden.weights(i, j) = 0.1f * static_cast<float>(i) - static_cast<float>(j) / 3.0f;
  hidden.weights(2, 3) = -0.0f;
  hidden.weights(0, 1) = std::numeric_limits<float>::denorm_min();
  hidden.bias.resize(4);
  hidden.bias << 0.5f, -FLT_MAX, 1e-20f, 7.0f;
  Layer output;
  output.activation = Activation::Softmax;
  output.weights.resize(4, 2);
  output.weights << 1, 2, 3, 4, 5, 6, 7, 8.25f;
  net.layers = {hidden, output};
  return net;
}

struct ZipEntry {
  std::string name;
  uint32_t crc, size, offset;
};

// Reads the central directory the way an unzip tool does: from the end record.
std::vector<ZipEntry> centralDirectory(const std::vector<uint8_t>& zip) {
  std::vector<ZipEntry> out;
  const size_t end = zip.size() - 22;
  EXPECT_EQ(read32(zip, end), 0x06054b50u);
  const uint32_t count = read16(zip, end + 10);
  const uint32_t size = read32(zip, end + 12);
  size_t at = read32(zip, end + 16);
  EXPECT_EQ(at + size, end);
  for (uint32_t k = 0; k < count; ++k) {
    EXPECT_EQ(read32(zip, at), 0x02014b50u);
    EXPECT_EQ(read16(zip, at + 10), 0u) << "stored, not deflated";
    ZipEntry e;
    e.crc = read32(zip, at + 16);
    e.size = read32(zip, at + 24);
    const uint32_t nameLength = read16(zip, at + 28);
    e.offset = read32(zip, at + 42);
    e.name.assign(zip.begin() + at + 46, zip.begin() + at + 46 + nameLength);
    out.push_back(e);
    at += 46 + nameLength;
  }
  return out;
}

// The bytes of one member, found through its local header.
std::vector<uint8_t> member(const std::vector<uint8_t>& zip, const ZipEntry& e) {
  EXPECT_EQ(read32(zip, e.offset), 0x04034b50u);
  const size_t data = e.offset + 30 + read16(zip, e.offset + 26) + read16(zip, e.offset + 28);
  return {zip.begin() + data, zip.begin() + data + e.size};
}

TEST(Npz, Crc32MatchesTheStandardCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(zipCrc32(reinterpret_cast<const uint8_t*>(check.data()), check.size()), 0xCBF43926u);
  EXPECT_EQ(zipCrc32(nullptr, 0), 0u);
}

TEST(Npz, HoldsOneNpyPerArrayInLayerOrder) {
  const auto zip = networkToNpz(smallNetwork());
  const auto entries = centralDirectory(zip);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].name, "w1.npy");
  EXPECT_EQ(entries[1].name, "b1.npy");
  EXPECT_EQ(entries[2].name, "w2.npy");  // no b2: that layer has no bias
  for (const auto& e : entries) {
    const auto bytes = member(zip, e);
    EXPECT_EQ(zipCrc32(bytes.data(), bytes.size()), e.crc) << e.name;
    EXPECT_EQ(read32(zip, e.offset + 14), e.crc) << e.name << ": local header agrees";
  }
}

TEST(Npz, NpyHeaderIsVersion1LittleEndianFloat32COrder) {
  const auto zip = networkToNpz(smallNetwork());
  const auto entries = centralDirectory(zip);
  const auto w1 = member(zip, entries[0]);
  ASSERT_GE(w1.size(), 10u);
  EXPECT_EQ(std::string(w1.begin() + 1, w1.begin() + 6), "NUMPY");
  EXPECT_EQ(w1[0], 0x93);
  EXPECT_EQ(w1[6], 1);
  EXPECT_EQ(w1[7], 0);
  const size_t headerLength = read16(w1, 8);
  EXPECT_EQ((10 + headerLength) % 64, 0u) << "data aligned as NumPy aligns it";
  const std::string header(w1.begin() + 10, w1.begin() + 10 + headerLength);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(w1.size(), 10 + headerLength + 3 * 4 * 4);

  // Row-major: element [1][2] is the 7th float, weights(1, 2).
  float f;
  std::memcpy(&f, w1.data() + 10 + headerLength + (1 * 4 + 2) * 4, 4);
  EXPECT_EQ(f, smallNetwork().layers[0].weights(1, 2));

  const auto b1 = member(zip, entries[1]);
  const std::string b1Header(b1.begin() + 10, b1.begin() + 10 + read16(b1, 8));
  EXPECT_NE(b1Header.find("'shape': (4,)"), std::string::npos) << b1Header;
}

TEST(Npz, IsTheSameBytesForTheSameNetwork) { EXPECT_EQ(networkToNpz(smallNetwork()), networkToNpz(smallNetwork())); }

// A python3 that can import numpy, or "" when there is none. pyenv's python3 may shadow the
// system one that has Debian's python3-numpy, hence the second candidate.
std::string pythonWithNumpy() {
  for (const char* candidate : {"python3", "/usr/bin/python3"}) {
    const std::string probe = std::string(candidate) + " -c \"import numpy\" > /dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return candidate;
  }
  return "";
}

std::string hexBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", bits);
  return buf;
}

// What the Python script below prints for one array: name, dtype, shape, C-contiguous, then
// every element's bits in C order.
std::string describe(const std::string& name, const Eigen::MatrixXf& m, bool vector) {
  std::string line = name + " <f4 ";
  line += vector ? "(" + std::to_string(m.rows()) + ",)"
                 : "(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")";
  line += " True";
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) line += " " + hexBits(m(i, j));
  return line + "\n";
}

TEST(Npz, LoadsInNumpyWithIdenticalValues) {
  const std::string python = pythonWithNumpy();
  if (python.empty()) GTEST_SKIP() << "no python3 with numpy here";

  const Network net = smallNetwork();
  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "digitrain_npz_test_" + std::to_string(::getpid());
  const auto npzPath = dir / (stem + ".npz");
  const auto outPath = dir / (stem + ".txt");
  {
    const auto bytes = networkToNpz(net);
    std::ofstream file(npzPath, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  // The script also runs the forward pass the labs write, `a @ w1 + b1`, to show the
  // orientation is the one they expect.
  const std::string script =
      "import numpy as np, sys\n"
      "p = np.load(sys.argv[1])\n"
      "for k in p.files:\n"
      "    a = p[k]\n"
      "    print(k, a.dtype.str, a.shape, a.flags['C_CONTIGUOUS'],"
      " ' '.join('%08x' % x for x in a.reshape(-1).view('<u4')))\n"
      "z = np.ones((1, 3), np.float32) @ p['w1'] + p['b1']\n"
      "assert z.shape == (1, 4), z.shape\n";
  const std::string command = python + " -c \"" +
                              [&] {
                                std::string escaped;
                                for (char c : script) {
                                  if (c == '"' || c == '\\' || c == '$' || c == '`') escaped += '\\';
                                  escaped += c;
                                }
                                return escaped;
                              }() +
                              "\" " + npzPath.string() + " > " + outPath.string() + " 2>&1";
  const int status = std::system(command.c_str());

  std::ifstream in(outPath);
  std::stringstream printed;
  printed << in.rdbuf();
  std::filesystem::remove(npzPath);
  std::filesystem::remove(outPath);
  ASSERT_EQ(status, 0) << printed.str();

  const std::string expected = describe("w1", net.layers[0].weights, false) + describe("b1", net.layers[0].bias, true) +
                               describe("w2", net.layers[1].weights, false);
  EXPECT_EQ(printed.str(), expected);
}

}  // namespace
}  // namespace digitrain
