// IDX reader tests: a round trip for every element type and rank, then one test per
// malformed class, each asserting on the words a user would read (file name, the problem).
#include "idx.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace digitrain {
namespace {

using Bytes = std::vector<uint8_t>;

// A header by hand, so malformed files can be written byte by byte.
Bytes header(uint8_t type, std::vector<uint32_t> dims, int rankOverride = -1) {
  Bytes b{0, 0, type, static_cast<uint8_t>(rankOverride >= 0 ? rankOverride : static_cast<int>(dims.size()))};
  for (uint32_t d : dims) {
    b.push_back(static_cast<uint8_t>(d >> 24));
    b.push_back(static_cast<uint8_t>(d >> 16));
    b.push_back(static_cast<uint8_t>(d >> 8));
    b.push_back(static_cast<uint8_t>(d));
  }
  return b;
}

Bytes u8File(std::vector<uint32_t> dims, size_t payload) {
  Bytes b = header(0x08, dims);
  for (size_t i = 0; i < payload; ++i) b.push_back(static_cast<uint8_t>(i * 7));
  return b;
}

std::string parseError(const Bytes& b, const std::string& file = "train-images-idx3-ubyte",
                       const IdxLimits& limits = {}) {
  auto r = parseIdx(b.data(), b.size(), file, limits);
  EXPECT_FALSE(r.ok()) << "expected a parse error";
  return r.ok() ? std::string() : r.error();
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

template <class T>
void store(uint8_t* p, double v) {
  const auto x = static_cast<T>(v);
  std::memcpy(p, &x, sizeof x);
}

// Stores `v` in host order as the element type `t`.
void push(IdxArray& a, double v) {
  const size_t at = a.data.size();
  a.data.resize(at + elementSize(a.type));
  uint8_t* p = a.data.data() + at;
  switch (a.type) {
    case IdxType::U8: store<uint8_t>(p, v); break;
    case IdxType::I8: store<int8_t>(p, v); break;
    case IdxType::I16: store<int16_t>(p, v); break;
    case IdxType::I32: store<int32_t>(p, v); break;
    case IdxType::F32: store<float>(p, v); break;
    case IdxType::F64: store<double>(p, v); break;
  }
}

// Values that exercise sign and every byte of each type.
double sample(IdxType t, size_t i) {
  switch (t) {
    case IdxType::U8: return static_cast<double>((i * 37 + 255) % 256);
    case IdxType::I8: return static_cast<double>(static_cast<int>((i * 37) % 256) - 128);
    case IdxType::I16: return static_cast<double>(static_cast<int>((i * 4099) % 65536) - 32768);
    case IdxType::I32: return static_cast<double>(static_cast<int64_t>(i * 2654435761u % 4294967296u) - 2147483648LL);
    case IdxType::F32: return static_cast<double>(static_cast<float>((static_cast<double>(i) - 50.0) / 3.0));
    case IdxType::F64: return (static_cast<double>(i) - 50.0) / 7.0 * 1e-3;
  }
  return 0;
}

TEST(IdxRoundTrip, EveryTypeAndRank1To4) {
  const IdxType types[] = {IdxType::U8, IdxType::I8, IdxType::I16, IdxType::I32, IdxType::F32, IdxType::F64};
  const std::vector<std::vector<uint32_t>> shapes = {{17}, {5, 3}, {4, 3, 2}, {2, 3, 2, 3}};
  for (IdxType t : types) {
    for (const auto& dims : shapes) {
      SCOPED_TRACE(std::string(name(t)) + " rank " + std::to_string(dims.size()));
      IdxArray a;
      a.type = t;
      a.dims = dims;
      for (size_t i = 0; i < a.count(); ++i) push(a, sample(t, i));
      const Bytes bytes = writeIdx(a);
      ASSERT_EQ(bytes.size(), 4 + 4 * dims.size() + a.count() * elementSize(t));
      EXPECT_EQ(bytes[2], static_cast<uint8_t>(t));
      EXPECT_EQ(bytes[3], dims.size());
      auto r = parseIdx(bytes.data(), bytes.size(), "round-trip");
      ASSERT_TRUE(r.ok()) << r.error();
      EXPECT_EQ(r->type, t);
      EXPECT_EQ(r->dims, dims);
      ASSERT_EQ(r->count(), a.count());
      for (size_t i = 0; i < a.count(); ++i) ASSERT_EQ(r->at(i), sample(t, i)) << "element " << i;
      EXPECT_EQ(writeIdx(*r), bytes);
    }
  }
}

TEST(IdxRoundTrip, PayloadIsBigEndianOnDisk) {
  Bytes b = header(0x0B, {2});
  b.insert(b.end(), {0x01, 0x02, 0xFF, 0xFE});  // 258, -2
  auto r = parseIdx(b.data(), b.size(), "i16");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->at(0), 258);
  EXPECT_EQ(r->at(1), -2);

  Bytes f = header(0x0D, {1});
  f.insert(f.end(), {0x3F, 0xC0, 0x00, 0x00});  // 1.5f
  auto rf = parseIdx(f.data(), f.size(), "f32");
  ASSERT_TRUE(rf.ok()) << rf.error();
  EXPECT_EQ(rf->at(0), 1.5);

  Bytes d = header(0x0E, {1});
  d.insert(d.end(), {0xC0, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18});  // -pi
  auto rd = parseIdx(d.data(), d.size(), "f64");
  ASSERT_TRUE(rd.ok()) << rd.error();
  EXPECT_EQ(rd->at(0), -3.141592653589793);
}

TEST(IdxRoundTrip, MnistShapedHeader) {
  Bytes b = u8File({3, 28, 28}, 3 * 28 * 28);
  auto r = parseIdx(b.data(), b.size(), "train-images-idx3-ubyte");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->dims, (std::vector<uint32_t>{3, 28, 28}));
  EXPECT_EQ(r->data.size(), 3u * 28 * 28);
  EXPECT_EQ(r->at(5), static_cast<uint8_t>(5 * 7));
}

TEST(IdxNames, TypeNamesAndSizes) {
  EXPECT_STREQ(name(IdxType::U8), "u8");
  EXPECT_STREQ(name(IdxType::F64), "f64");
  EXPECT_EQ(elementSize(IdxType::I16), 2);
  EXPECT_EQ(elementSize(IdxType::F32), 4);
  EXPECT_EQ(elementSize(IdxType::F64), 8);
}

TEST(IdxMalformed, BadMagic) {
  Bytes b = u8File({2}, 2);
  b[0] = 0x12;
  b[1] = 0x34;
  const std::string e = parseError(b);
  EXPECT_TRUE(startsWith(e, "train-images-idx3-ubyte: ")) << e;
  EXPECT_NE(e.find("bad magic"), std::string::npos) << e;
  EXPECT_NE(e.find("expected 00 00"), std::string::npos) << e;
  EXPECT_NE(e.find("found 12 34"), std::string::npos) << e;
}

TEST(IdxMalformed, PngBytesSayPng) {
  const Bytes png{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 'I', 'H', 'D', 'R'};
  const std::string e = parseError(png);
  EXPECT_EQ(e,
            "train-images-idx3-ubyte: bad magic: expected 00 00 at the start of an IDX file, "
            "found 89 50 (this looks like a PNG image)");
}

TEST(IdxMalformed, OtherFormatsAreRecognised) {
  EXPECT_NE(parseError({0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}).find("JPEG"), std::string::npos);
  EXPECT_NE(parseError({0x1F, 0x8B, 0x08, 0x00, 0, 0}).find("gzip"), std::string::npos);
  EXPECT_NE(parseError({'P', 'K', 0x03, 0x04, 0, 0}).find("zip archive"), std::string::npos);
  const std::string html = "<!DOCTYPE html><html><body>404 Not Found</body></html>";
  EXPECT_NE(parseError(Bytes(html.begin(), html.end())).find("HTML"), std::string::npos);
  const std::string text = "label,pixel0,pixel1\n5,0,0\n";
  EXPECT_NE(parseError(Bytes(text.begin(), text.end())).find("text file"), std::string::npos);
  // 00 00 08 03 written as a little-endian integer.
  const std::string le = parseError({0x03, 0x08, 0x00, 0x00, 1, 0, 0, 0});
  EXPECT_NE(le.find("little-endian"), std::string::npos) << le;
}

TEST(IdxMalformed, UnknownTypeCode) {
  Bytes b = u8File({2}, 2);
  b[2] = 0x07;
  const std::string e = parseError(b, "weird.idx");
  EXPECT_TRUE(startsWith(e, "weird.idx: unknown type code 0x07")) << e;
  EXPECT_NE(e.find("0x08 (u8)"), std::string::npos) << e;
}

TEST(IdxMalformed, RankZero) {
  const std::string e = parseError(header(0x08, {}, 0), "labels.idx");
  EXPECT_TRUE(startsWith(e, "labels.idx: rank 0")) << e;
}

TEST(IdxMalformed, RankFiveOverTheLimit) {
  const std::string e = parseError(u8File({1, 1, 1, 1, 1}, 1), "deep.idx");
  EXPECT_TRUE(startsWith(e, "deep.idx: rank 5")) << e;
  EXPECT_NE(e.find("limit of 4"), std::string::npos) << e;
  // The limit is the caller's to raise.
  IdxLimits limits;
  limits.maxRank = 5;
  Bytes b = u8File({1, 1, 1, 1, 1}, 1);
  EXPECT_TRUE(parseIdx(b.data(), b.size(), "deep.idx", limits).ok());
}

TEST(IdxMalformed, ZeroDimensionIsNamed) {
  const std::string e = parseError(header(0x08, {10, 0, 28}), "train-images-idx3-ubyte");
  EXPECT_TRUE(startsWith(e, "train-images-idx3-ubyte: dimension 2 of 3 is 0")) << e;
  EXPECT_NE(e.find("[10, 0, 28]"), std::string::npos) << e;
}

TEST(IdxMalformed, BillionImagesFailsFastWithoutAllocating) {
  // Only the 16-byte header: a reader that allocated first, or read the payload length
  // before checking the limits, would report "truncated" (or run out of memory) instead.
  const auto start = std::chrono::steady_clock::now();
  const std::string e = parseError(header(0x08, {1000000000, 28, 28}));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(startsWith(e, "train-images-idx3-ubyte: too large")) << e;
  EXPECT_NE(e.find("784000000000 elements"), std::string::npos) << e;
  EXPECT_NE(e.find("limit of 268435456 elements"), std::string::npos) << e;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 100);
}

TEST(IdxMalformed, ElementCountOverflowsSixtyFourBits) {
  const uint32_t big = 0xFFFFFFFFu;
  const std::string e = parseError(header(0x0E, {big, big, big, big}));
  EXPECT_NE(e.find("too large"), std::string::npos) << e;
  EXPECT_NE(e.find("overflow"), std::string::npos) << e;
  EXPECT_NE(e.find("268435456"), std::string::npos) << e;
}

TEST(IdxMalformed, PayloadBytesOverTheLimit) {
  IdxLimits limits;
  limits.maxBytes = 1000;
  const std::string e = parseError(header(0x0E, {200}), "big.idx", limits);  // 1600 bytes of f64
  EXPECT_TRUE(startsWith(e, "big.idx: too large")) << e;
  EXPECT_NE(e.find("1600 bytes"), std::string::npos) << e;
  EXPECT_NE(e.find("limit of 1000 bytes"), std::string::npos) << e;
}

TEST(IdxMalformed, TruncatedHeader) {
  Bytes b = header(0x08, {60000, 28, 28});
  b.resize(10);
  const std::string e = parseError(b, "train-images-idx3-ubyte");
  EXPECT_TRUE(startsWith(e, "train-images-idx3-ubyte: header truncated")) << e;
  EXPECT_NE(e.find("16 header bytes, got 10"), std::string::npos) << e;
  EXPECT_NE(parseError({0, 0, 8}, "short").find("header truncated"), std::string::npos);
}

TEST(IdxMalformed, TruncatedPayload) {
  const std::string e = parseError(u8File({2, 28, 28}, 1000), "t10k-images-idx3-ubyte");
  EXPECT_TRUE(startsWith(e, "t10k-images-idx3-ubyte: truncated: expected 1568 bytes of payload, got 1000")) << e;
}

TEST(IdxMalformed, TrailingBytes) {
  Bytes b = u8File({4}, 4);
  b.insert(b.end(), {1, 2, 3});
  const std::string e = parseError(b, "train-labels-idx1-ubyte");
  EXPECT_TRUE(startsWith(e, "train-labels-idx1-ubyte: trailing bytes: expected 4 bytes, found 3 extra")) << e;
}

TEST(IdxMalformed, EmptyBuffer) {
  const std::string e = parseError({}, "empty.idx");
  EXPECT_TRUE(startsWith(e, "empty.idx: empty file")) << e;
  EXPECT_FALSE(parseIdx(nullptr, 0, "null").ok());
}

TEST(IdxMalformed, EveryPrefixOfAValidFileFails) {
  IdxArray a;
  a.type = IdxType::I16;
  a.dims = {2, 3};
  for (int i = 0; i < 6; ++i) push(a, i - 3);
  const Bytes full = writeIdx(a);
  for (size_t n = 0; n < full.size(); ++n) {
    auto r = parseIdx(full.data(), n, "prefix");
    ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes parsed";
    EXPECT_TRUE(startsWith(r.error(), "prefix: ")) << r.error();
  }
  EXPECT_TRUE(parseIdx(full.data(), full.size(), "prefix").ok());
}

TEST(IdxGzipMagic, Detects1F8B) {
  const Bytes gz{0x1F, 0x8B, 0x08};
  const Bytes idx{0x00, 0x00, 0x08, 0x01};
  EXPECT_TRUE(isGzip(gz.data(), gz.size()));
  EXPECT_FALSE(isGzip(idx.data(), idx.size()));
  EXPECT_FALSE(isGzip(gz.data(), 1));
  EXPECT_FALSE(isGzip(nullptr, 0));
}

}  // namespace
}  // namespace digitrain
