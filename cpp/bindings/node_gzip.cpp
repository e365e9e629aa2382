// gzip.h for the CLI under Node (digitrain_node): the core's gzip.cpp is native-only (zlib is
// not part of the WebAssembly build), so here gunzip goes through Node's own zlib
// (zlib.gunzipSync), and readFileMaybeGzip reads the host file system (NODERAWFS).
// The messages follow gzip.cpp's word for word where Node reports the same condition.
#ifdef __EMSCRIPTEN__

#include <emscripten/emscripten.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "gzip.h"
#include "idx.h"

namespace {

// The EM_JS bodies below are JavaScript, which clang-format would mangle as C++.
// clang-format off
// Inflates HEAPU8[ptr, ptr+size) with Node's zlib. Returns the unpacked size (kept aside
// for digitrain_gunzip_take), or -1 with an error message kept aside instead.
// `maxBytes` arrives as a double: it may exceed 2^31.
EM_JS(double, digitrain_gunzip_run, (const uint8_t* ptr, size_t size, double maxBytes), {
  var zlib = require("zlib");
  var state = { out: null, error: "" };
  Module["digitrainGunzip"] = state;
  var input = Buffer.from(HEAPU8.subarray(ptr, ptr + size));
  var limit = Math.min(maxBytes, require("buffer").constants.MAX_LENGTH - 1);
  try {
    var r = zlib.gunzipSync(input, { maxOutputLength: limit + 1, info: true });
    var out = r.buffer;
    var consumed = r.engine.bytesWritten;
    if (out.length > maxBytes) throw Object.assign(new Error("too large"), { code: "ERR_BUFFER_TOO_LARGE" });
    if (consumed < size) {
      // Node stops at trailing bytes that start with a zero byte; gzip tolerates zero padding.
      for (var i = consumed; i < size; ++i)
        if (input[i] !== 0) {
          state.error = "corrupt data: " + (size - consumed) + " unexpected bytes after the end of the gzip data";
          return -1;
        }
    }
    state.out = out;
    return out.length;
  } catch (e) {
    var code = e && e.code;
    if (code === "ERR_BUFFER_TOO_LARGE" || (e instanceof RangeError && /length|large/i.test(String(e.message)))) {
      state.error = "unpacks to more than " + maxBytes +
          " bytes, the limit: refusing to inflate it further (is this really an MNIST file?)";
    } else if (code === "Z_BUF_ERROR") {
      // The stream stops early; inflate what is there to say how far it got.
      var produced = 0;
      try {
        produced = zlib.gunzipSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: limit + 1 }).length;
      } catch (e2) {
      }
      state.error = "ends before the end of the gzip stream \u2014 was the download interrupted? (" + size +
          " bytes read, " + produced + " bytes unpacked)";
    } else if (code === "Z_DATA_ERROR" || code === "Z_NEED_DICT") {
      state.error = "corrupt data: not a valid gzip stream (zlib: " + e.message + ")";
    } else if (code === "Z_MEM_ERROR") {
      state.error = "out of memory while unpacking";
    } else {
      state.error = "gzip decoder failed: " + (e && e.message ? e.message : String(e));
    }
    return -1;
  }
});

// Copies the unpacked bytes kept by digitrain_gunzip_run into `dest` and lets them go.
EM_JS(void, digitrain_gunzip_take, (uint8_t* dest), {
  var state = Module["digitrainGunzip"];
  HEAPU8.set(state.out, dest);
  Module["digitrainGunzip"] = null;
});

EM_JS(int, digitrain_gunzip_error_length, (), {
  return lengthBytesUTF8(Module["digitrainGunzip"].error) + 1;
});

EM_JS(void, digitrain_gunzip_error_take, (char* dest, int size), {
  stringToUTF8(Module["digitrainGunzip"].error, dest, size);
  Module["digitrainGunzip"] = null;
});
// clang-format on

}  // namespace

namespace digitrain {

Expected<std::vector<uint8_t>> gunzip(const std::vector<uint8_t>& bytes, const std::string& fileName,
                                      uint64_t maxBytes) {
  const std::string file = fileName.empty() ? std::string("gzip data") : fileName;
  if (bytes.empty())
    return fail(file + ": empty file: ends before the end of the gzip stream — was the download interrupted?");
  const double n = digitrain_gunzip_run(bytes.data(), bytes.size(), static_cast<double>(maxBytes));
  if (n < 0) {
    std::string message(static_cast<size_t>(digitrain_gunzip_error_length()), '\0');
    digitrain_gunzip_error_take(message.data(), static_cast<int>(message.size()));
    message.resize(std::strlen(message.c_str()));
    return fail(file + ": " + message);
  }
  std::vector<uint8_t> out(static_cast<size_t>(n));
  digitrain_gunzip_take(out.data());
  return out;
}

}  // namespace digitrain

#endif  // __EMSCRIPTEN__
