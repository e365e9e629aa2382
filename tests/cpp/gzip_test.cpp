// gunzip tests: streams are made with zlib here, then cut, corrupted or made to expand far
// past the limit; every failure must name the file and say which of those it was.
#include "gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "idx.h"

namespace digitrain {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes gzipBytes(const Bytes& in, int level = 6) {
  z_stream zs{};
  // 15 + 16: a gzip wrapper rather than zlib's own.
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Bytes pseudoRandom(size_t n) {
  Bytes b(n);
  uint32_t x = 12345;
  for (auto& v : b) {
    x = x * 1664525u + 1013904223u;
    v = static_cast<uint8_t>(x >> 24);
  }
  return b;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string tempPath(const std::string& name) { return testing::TempDir() + "digitrain_gzip_test_" + name; }

void writeFile(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TEST(GzipRoundTrip, RandomAndCompressibleData) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{300000}}) {
    Bytes data = pseudoRandom(n);
    for (size_t i = 0; i < n / 2; ++i) data[i] = 0;  // half of it compresses well
    auto r = gunzip(gzipBytes(data), "data.gz");
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(*r, data) << n << " bytes";
  }
}

TEST(GzipRoundTrip, ConcatenatedMembers) {
  const Bytes a = pseudoRandom(5000), b(7000, 42);
  Bytes gz = gzipBytes(a);
  const Bytes second = gzipBytes(b);
  gz.insert(gz.end(), second.begin(), second.end());
  auto r = gunzip(gz, "cat.gz");
  ASSERT_TRUE(r.ok()) << r.error();
  Bytes both = a;
  both.insert(both.end(), b.begin(), b.end());
  EXPECT_EQ(*r, both);
}

TEST(GzipRoundTrip, ZeroPaddingAfterTheStreamIsIgnored) {
  const Bytes data = pseudoRandom(100);
  Bytes gz = gzipBytes(data);
  gz.insert(gz.end(), 512, 0);
  auto r = gunzip(gz, "padded.gz");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(*r, data);
}

TEST(GzipRoundTrip, IdxInsideGzip) {
  IdxArray labels;
  labels.dims = {6};
  labels.data = {0, 1, 2, 7, 8, 9};
  auto unpacked = gunzip(gzipBytes(writeIdx(labels)), "train-labels-idx1-ubyte.gz");
  ASSERT_TRUE(unpacked.ok()) << unpacked.error();
  auto parsed = parseIdx(unpacked->data(), unpacked->size(), "train-labels-idx1-ubyte.gz");
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->data, labels.data);
}

TEST(GzipMalformed, TruncatedStream) {
  const Bytes gz = gzipBytes(pseudoRandom(20000));
  for (size_t keep : {gz.size() - 1, gz.size() - 8, gz.size() / 2, size_t{12}, size_t{3}}) {
    const Bytes cut(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(keep));
    auto r = gunzip(cut, "train-images-idx3-ubyte.gz");
    ASSERT_FALSE(r.ok()) << "kept " << keep << " bytes";
    EXPECT_TRUE(startsWith(r.error(), "train-images-idx3-ubyte.gz: ")) << r.error();
    EXPECT_NE(r.error().find("ends before the end of the gzip stream"), std::string::npos) << r.error();
    EXPECT_NE(r.error().find("interrupted"), std::string::npos) << r.error();
  }
}

TEST(GzipMalformed, EmptyInput) {
  auto r = gunzip({}, "empty.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "empty.gz: ")) << r.error();
}

TEST(GzipMalformed, CorruptData) {
  Bytes gz = gzipBytes(pseudoRandom(20000));
  // Flip bits in the middle of the deflate data; the CRC catches whatever inflate does not.
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 16; ++i) gz[i] ^= 0xA5;
  auto r = gunzip(gz, "t10k-images-idx3-ubyte.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "t10k-images-idx3-ubyte.gz: corrupt data")) << r.error();
}

TEST(GzipMalformed, WrongChecksum) {
  const Bytes data = pseudoRandom(1000);
  Bytes gz = gzipBytes(data);
  gz[gz.size() - 8] ^= 0xFF;  // the CRC-32 in the trailer
  auto r = gunzip(gz, "crc.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "crc.gz: corrupt data")) << r.error();
}

TEST(GzipMalformed, NotGzipAtAll) {
  const Bytes text{'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  auto r = gunzip(text, "hello.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "hello.gz: corrupt data")) << r.error();
}

TEST(GzipMalformed, GarbageAfterTheStream) {
  Bytes gz = gzipBytes(pseudoRandom(100));
  gz.insert(gz.end(), {'j', 'u', 'n', 'k'});
  auto r = gunzip(gz, "junk.gz");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "junk.gz: corrupt data: 4 unexpected bytes")) << r.error();
}

TEST(GzipMalformed, BombIsRefusedAtTheLimit) {
  const Bytes zeros(20u << 20, 0);  // 20 MiB of zeros packs into ~20 KB
  const Bytes gz = gzipBytes(zeros, 9);
  ASSERT_LT(gz.size(), 100000u);
  auto r = gunzip(gz, "bomb.gz", 1u << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), "bomb.gz: ")) << r.error();
  EXPECT_NE(r.error().find("more than 1048576 bytes"), std::string::npos) << r.error();

  // Exactly at the limit is fine; one byte over is not.
  const Bytes exact(4096, 1);
  EXPECT_TRUE(gunzip(gzipBytes(exact), "exact.gz", 4096).ok());
  EXPECT_FALSE(gunzip(gzipBytes(exact), "exact.gz", 4095).ok());
}

TEST(GzipMalformed, LyingSizeTrailerIsHarmless) {
  const Bytes data = pseudoRandom(3000);
  Bytes gz = gzipBytes(data);
  for (size_t i = gz.size() - 4; i < gz.size(); ++i) gz[i] = 0xFF;  // claims 4 GiB
  auto r = gunzip(gz, "liar.gz");
  ASSERT_FALSE(r.ok());  // zlib checks ISIZE too
  EXPECT_TRUE(startsWith(r.error(), "liar.gz: corrupt data")) << r.error();
}

TEST(GzipReadFile, PlainAndGzippedFiles) {
  const Bytes data = pseudoRandom(70000);  // more than one read buffer
  const std::string plain = tempPath("plain.bin"), packed = tempPath("packed.bin.gz");
  writeFile(plain, data);
  writeFile(packed, gzipBytes(data));
  auto a = readFileMaybeGzip(plain);
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(*a, data);
  auto b = readFileMaybeGzip(packed);
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_EQ(*b, data);
  std::remove(plain.c_str());
  std::remove(packed.c_str());
}

TEST(GzipReadFile, MissingFileIsNamed) {
  const std::string path = tempPath("does-not-exist-idx3-ubyte.gz");
  auto r = readFileMaybeGzip(path);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), path + ": cannot open")) << r.error();
  EXPECT_NE(r.error().find("No such file"), std::string::npos) << r.error();
}

TEST(GzipReadFile, DirectoryIsNamed) {
  auto r = readFileMaybeGzip(DIGITRAIN_FIXTURES);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), std::string(DIGITRAIN_FIXTURES) + ": is a directory")) << r.error();
}

TEST(GzipReadFile, TruncatedFixtureNamesThePath) {
  const std::string path = std::string(DIGITRAIN_FIXTURES) + "/malformed/truncated-labels-idx1-ubyte.gz";
  auto r = readFileMaybeGzip(path);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(startsWith(r.error(), path + ": ends before the end of the gzip stream")) << r.error();
}

}  // namespace
}  // namespace digitrain
