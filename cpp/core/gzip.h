// gunzip for the native build (zlib). The browser unpacks with DecompressionStream before
// handing bytes to the engine, so this file is not part of the WebAssembly build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "expected.h"

namespace digitrain {

// Inflates a gzip buffer; refuses to produce more than maxBytes (a "zip bomb" guard) and
// names the file in every error (truncated stream, corrupt data, too large).
Expected<std::vector<uint8_t>> gunzip(const std::vector<uint8_t>& bytes, const std::string& fileName,
                                      uint64_t maxBytes = uint64_t{1} << 30);

// Reads a file and gunzips it when it starts with the gzip magic; errors name the file.
Expected<std::vector<uint8_t>> readFileMaybeGzip(const std::string& path);

}  // namespace digitrain
