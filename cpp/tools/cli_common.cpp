#include "cli_common.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "gzip.h"

namespace digitrain::cli {

int reportError(const std::string& message) {
  std::string line = message;
  for (char& c : line)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';  // one line, no control codes
  std::fflush(stdout);
  std::fprintf(stderr, "error: %s\n", line.c_str());
  return kExitBadInput;
}

std::optional<Args> parseCommand(const std::string& command, const std::vector<std::string>& argv,
                                 const std::vector<FlagSpec>& flags, const std::string& help, int& exitStatus,
                                 bool allowPositional) {
  auto args = Args::parse(command, argv, flags, allowPositional);
  if (!args) {
    exitStatus = reportError(args.error());
    return std::nullopt;
  }
  if (args->help()) {
    std::fputs(help.c_str(), stdout);
    exitStatus = kExitOk;
    return std::nullopt;
  }
  return std::move(args.value());
}

Expected<std::vector<uint8_t>> readBytes(const std::string& path) {
  if (path.empty()) return fail("\"\": the file name is empty");
  return readFileMaybeGzip(path);
}

Expected<std::string> readText(const std::string& path) {
  auto bytes = readBytes(path);
  if (!bytes) return fail(bytes.error());
  return std::string(bytes->begin(), bytes->end());
}

Expected<IdxArray> loadIdx(const std::string& path) {
  auto bytes = readBytes(path);
  if (!bytes) return fail(bytes.error());
  return parseIdx(bytes->data(), bytes->size(), path);
}

Expected<std::shared_ptr<const Dataset>> loadDataset(const std::string& imagesPath, const std::string& labelsPath) {
  auto images = loadIdx(imagesPath);
  if (!images) return fail(images.error());
  auto labels = loadIdx(labelsPath);
  if (!labels) return fail(labels.error());
  auto set = makeDataset(*images, imagesPath, *labels, labelsPath);
  if (!set) return fail(set.error());
  return std::shared_ptr<const Dataset>(std::make_shared<Dataset>(std::move(set.value())));
}

Expected<std::shared_ptr<const Dataset>> loadImages(const std::string& imagesPath) {
  auto images = loadIdx(imagesPath);
  if (!images) return fail(images.error());
  // Zero labels of the right count, so makeDataset checks the images exactly as it does
  // for training; a shape problem is reported against the images file.
  IdxArray labels;
  labels.type = IdxType::U8;
  labels.dims = {images->dims.empty() ? 0u : images->dims[0]};
  labels.data.assign(labels.dims[0], 0);
  auto set = makeDataset(*images, imagesPath, labels, "(no labels)");
  if (!set) return fail(set.error());
  return std::shared_ptr<const Dataset>(std::make_shared<Dataset>(std::move(set.value())));
}

Expected<Model> loadModel(const std::string& path) {
  auto text = readText(path);
  if (!text) return fail(text.error());
  return modelFromJson(*text, path);
}

Status checkWritable(const std::string& flag, const std::string& path) {
  if (path.empty()) return fail(flag + " needs a file name");
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) return fail(flag + " " + path + ": is a directory, not a file");
  const fs::path parent = p.parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    return fail(flag + " " + path + ": the folder " + parent.string() + " does not exist");
  return Ok{};
}

Status writeFile(const std::string& path, const void* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(path + ": cannot write: " + std::strerror(errno));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) return fail(path + ": cannot write: " + std::strerror(errno));
  return Ok{};
}

bool stderrIsTerminal() { return ::isatty(2) == 1; }

std::string percent(double fraction, int decimals) {
  if (!std::isfinite(fraction)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f%%", decimals, fraction * 100.0);
  return buf;
}

std::string thousands(double value) {
  if (!std::isfinite(value)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", std::round(value));
  std::string digits = buf, out;
  const size_t start = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > start && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string shortNumber(double value, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

std::string layerText(const TrainConfig& config) {
  std::string out;
  for (size_t i = 0; i < config.layers.size(); ++i) {
    out += (i ? "-" : "") + std::to_string(config.layers[i]);
    if (i == 0)
      for (const FrontSpec& f : config.front) out += "-" + frontToken(f);
  }
  return out;
}

std::string layerText(const std::vector<int>& sizes) {
  std::string out;
  for (size_t i = 0; i < sizes.size(); ++i) out += (i ? "-" : "") + std::to_string(sizes[i]);
  return out;
}

}  // namespace digitrain::cli
