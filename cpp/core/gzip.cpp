// gunzip with zlib for the native build, and the "read a data file, unpacked if needed"
// helper the CLI uses. MNIST is distributed as .gz, so a truncated or corrupt download is
// the most common way loading fails: every message names the file and what went wrong.
#include "gzip.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "idx.h"

#ifndef __EMSCRIPTEN__

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <limits>

namespace digitrain {
namespace {

struct InflateGuard {
  z_stream* stream;
  ~InflateGuard() { inflateEnd(stream); }
};

std::string zlibDetail(const z_stream& zs) { return zs.msg ? std::string(" (zlib: ") + zs.msg + ")" : std::string(); }

bool allZero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

}  // namespace

Expected<std::vector<uint8_t>> gunzip(const std::vector<uint8_t>& bytes, const std::string& fileName,
                                      uint64_t maxBytes) {
  const std::string file = fileName.empty() ? std::string("gzip data") : fileName;
  auto error = [&](const std::string& what) { return fail(file + ": " + what); };

  if (bytes.empty()) return error("empty file: ends before the end of the gzip stream — was the download interrupted?");

  z_stream zs{};
  // 15 + 32: the largest window, with zlib detecting a gzip or zlib header by itself.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return error("cannot start the gzip decoder" + zlibDetail(zs));
  InflateGuard guard{&zs};

  // The gzip trailer holds the unpacked size modulo 2^32: a good first guess for one member,
  // never trusted past maxBytes.
  uint64_t guess = bytes.size() * 4;
  if (bytes.size() >= 18) {
    const uint8_t* t = bytes.data() + bytes.size() - 4;
    guess = uint64_t{t[0]} | uint64_t{t[1]} << 8 | uint64_t{t[2]} << 16 | uint64_t{t[3]} << 24;
    // Deflate expands at most ~1032:1, so a trailer claiming more is lying; don't let it
    // make us reserve a gigabyte up front.
    guess = std::min<uint64_t>(guess, uint64_t{bytes.size()} * 1032);
  }
  const uint64_t cap = std::min<uint64_t>(maxBytes, std::numeric_limits<size_t>::max() - 1);
  std::vector<uint8_t> out;
  out.resize(static_cast<size_t>(std::min<uint64_t>(std::max<uint64_t>(guess, 4096), cap + 1)));

  const uint8_t* in = bytes.data();
  size_t inLeft = bytes.size();
  uint64_t produced = 0;
  int members = 0;

  for (;;) {
    if (zs.avail_in == 0 && inLeft > 0) {
      const size_t chunk = std::min<size_t>(inLeft, UINT_MAX);
      zs.next_in = const_cast<Bytef*>(in);
      zs.avail_in = static_cast<uInt>(chunk);
      in += chunk;
      inLeft -= chunk;
    }
    if (produced == out.size()) {
      // One byte past the limit is enough to know the output is too large.
      if (produced > cap)
        return error("unpacks to more than " + std::to_string(maxBytes) +
                     " bytes, the limit: refusing to inflate it further (is this really an MNIST file?)");
      const uint64_t grown = std::min<uint64_t>(std::max<uint64_t>(out.size() * 2, 4096), cap + 1);
      out.resize(static_cast<size_t>(grown));
    }
    const size_t room = std::min<size_t>(out.size() - static_cast<size_t>(produced), UINT_MAX);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(room);

    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (produced > cap)
      return error("unpacks to more than " + std::to_string(maxBytes) +
                   " bytes, the limit: refusing to inflate it further (is this really an MNIST file?)");

    if (rc == Z_STREAM_END) {
      ++members;
      const size_t rest = zs.avail_in + inLeft;
      if (rest == 0) break;
      // Bytes after a member: another member (`cat a.gz b.gz` is valid gzip) or, as
      // gzip itself tolerates, zero padding from a tape or tar block.
      const uint8_t* next = zs.next_in;
      if (zs.avail_in >= 2 && next[0] == 0x1F && next[1] == 0x8B) {
        inflateReset(&zs);
        continue;
      }
      if (allZero(next, zs.avail_in) && allZero(in, inLeft)) break;
      return error("corrupt data: " + std::to_string(rest) + " unexpected bytes after the end of gzip member " +
                   std::to_string(members));
    }
    if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR)
      return error("corrupt data: not a valid gzip stream" + zlibDetail(zs) +
                   (produced ? " after " + std::to_string(produced) + " bytes of output" : std::string()));
    if (rc == Z_MEM_ERROR) return error("out of memory while unpacking");
    if (rc == Z_BUF_ERROR || rc == Z_OK) {
      // No progress possible with all input consumed: the stream stops early.
      if (zs.avail_in == 0 && inLeft == 0 && zs.avail_out != 0)
        return error("ends before the end of the gzip stream — was the download interrupted? (" +
                     std::to_string(bytes.size()) + " bytes read, " + std::to_string(produced) + " bytes unpacked)");
      continue;
    }
    return error("gzip decoder failed with code " + std::to_string(rc) + zlibDetail(zs));
  }

  out.resize(static_cast<size_t>(produced));
  out.shrink_to_fit();
  return out;
}

}  // namespace digitrain

#endif  // __EMSCRIPTEN__

// Reading a file is the same everywhere; only gunzip differs (zlib above, Node's zlib in the
// WebAssembly CLI: cpp/bindings/node_gzip.cpp).
namespace digitrain {

Expected<std::vector<uint8_t>> readFileMaybeGzip(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return fail(path + ": is a directory, not a data file");

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return fail(path + ": cannot open: " + std::strerror(errno));

  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  for (;;) {
    const size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
    bytes.insert(bytes.end(), buffer, buffer + n);
    if (n < sizeof buffer) {
      if (std::ferror(f.get())) return fail(path + ": cannot read: " + std::strerror(errno));
      break;
    }
  }
  if (isGzip(bytes.data(), bytes.size())) return gunzip(bytes, path);
  return bytes;
}

}  // namespace digitrain
