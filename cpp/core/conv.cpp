#include "conv.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace digitrain {

const char* const kFrontSyntax =
    "convKxF[sS][same] (a K×K convolution with F filters, stride S, default 1, `same` zero padding, default none) "
    "or poolK[sS] (K×K max pooling, stride S, default K)";

bool operator==(const FrontSpec& a, const FrontSpec& b) {
  return a.kind == b.kind && a.kernel == b.kernel && a.filters == b.filters && a.stride == b.stride && a.same == b.same;
}

bool operator==(const Shape3& a, const Shape3& b) { return a.h == b.h && a.w == b.w && a.c == b.c; }

std::string shapeText(const Shape3& s) {
  return std::to_string(s.h) + "×" + std::to_string(s.w) + "×" + std::to_string(s.c);
}

namespace {

// Reads a whole number from 1 to `max` at text[pos...], advancing pos.
bool readNumber(const std::string& text, size_t& pos, int max, int& out) {
  const size_t start = pos;
  long value = 0;
  while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) && pos - start < 6)
    value = value * 10 + (text[pos++] - '0');
  if (pos == start || value < 1 || value > max) return false;
  out = static_cast<int>(value);
  return true;
}

bool startsWith(const std::string& text, size_t pos, const char* word) {
  return text.compare(pos, std::char_traits<char>::length(word), word) == 0;
}

}  // namespace

const std::vector<std::string>& frontPrefixes() {
  static const std::vector<std::string> prefixes = {"conv", "pool"};
  return prefixes;
}

namespace {
const std::string& frontPrefix(FrontKind kind) { return frontPrefixes()[static_cast<size_t>(kind)]; }
}  // namespace

bool namesFrontLayer(const std::string& token) {
  for (const std::string& p : frontPrefixes())
    if (token.rfind(p, 0) == 0) return true;
  return false;
}

Expected<FrontSpec> parseFrontSpec(const std::string& token) {
  const auto bad = [&] {
    return fail("\"" + token + "\" is not a layer: expected a number of units, " + std::string(kFrontSyntax) +
                ", with K from 1 to " + std::to_string(kMaxKernel) + ", F from 1 to " + std::to_string(kMaxFilters) +
                " and S from 1 to " + std::to_string(kMaxKernel));
  };
  FrontSpec spec;
  size_t pos = 0;
  if (startsWith(token, 0, frontPrefix(FrontKind::Conv).c_str())) {
    pos = frontPrefix(FrontKind::Conv).size();
    if (!readNumber(token, pos, kMaxKernel, spec.kernel)) return bad();
    if (pos >= token.size() || token[pos] != 'x') return bad();
    ++pos;
    if (!readNumber(token, pos, kMaxFilters, spec.filters)) return bad();
  } else if (startsWith(token, 0, frontPrefix(FrontKind::Pool).c_str())) {
    spec.kind = FrontKind::Pool;
    pos = frontPrefix(FrontKind::Pool).size();
    if (!readNumber(token, pos, kMaxKernel, spec.kernel)) return bad();
    spec.stride = spec.kernel;
  } else {
    return bad();
  }
  if (pos < token.size() && token[pos] == 's' && !startsWith(token, pos, "same")) {
    ++pos;
    if (!readNumber(token, pos, kMaxKernel, spec.stride)) return bad();
  }
  if (spec.kind == FrontKind::Conv && startsWith(token, pos, "same")) {
    spec.same = true;
    pos += 4;
  }
  if (pos != token.size()) return bad();
  return spec;
}

std::string frontToken(const FrontSpec& spec) {
  if (spec.kind == FrontKind::Pool)
    return frontPrefix(spec.kind) + std::to_string(spec.kernel) +
           (spec.stride != spec.kernel ? "s" + std::to_string(spec.stride) : "");
  return frontPrefix(spec.kind) + std::to_string(spec.kernel) + "x" + std::to_string(spec.filters) +
         (spec.stride != 1 ? "s" + std::to_string(spec.stride) : "") + (spec.same ? "same" : "");
}

int padBefore(const FrontSpec& spec, int in) {
  const int out = (in + spec.stride - 1) / spec.stride;
  return std::max((out - 1) * spec.stride + spec.kernel - in, 0) / 2;
}

Expected<Shape3> outputShape(const FrontSpec& spec, const Shape3& in) {
  const std::string k = std::to_string(spec.kernel) + "×" + std::to_string(spec.kernel);
  Shape3 out;
  out.c = spec.kind == FrontKind::Conv ? spec.filters : in.c;
  if (spec.kind == FrontKind::Conv && spec.same) {
    out.h = (in.h + spec.stride - 1) / spec.stride;
    out.w = (in.w + spec.stride - 1) / spec.stride;
    return out;
  }
  if (in.h < spec.kernel || in.w < spec.kernel)
    return fail("gets a " + shapeText(in) + " input, smaller than its " + k +
                (spec.kind == FrontKind::Conv ? " kernel (`same` padding would keep the size)" : " window"));
  // Valid positions only (TensorFlow's `valid`): a last partial window is dropped.
  out.h = (in.h - spec.kernel) / spec.stride + 1;
  out.w = (in.w - spec.kernel) / spec.stride + 1;
  return out;
}

Expected<Shape3> squareImage(int inputs) {
  const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(inputs))));
  if (side * side != inputs)
    return fail("conv and pool layers need a square image as input, but " + std::to_string(inputs) +
                " inputs are not the pixels of one (784 = 28×28 is)");
  return Shape3{side, side, 1};
}

Expected<int> frontOutputSize(int inputs, const std::vector<FrontSpec>& front) {
  if (front.empty()) return inputs;
  auto shape = squareImage(inputs);
  if (!shape) return fail(shape.error());
  Shape3 s = *shape;
  for (size_t i = 0; i < front.size(); ++i) {
    auto out = outputShape(front[i], s);
    if (!out) return fail(frontToken(front[i]) + " at position " + std::to_string(i + 2) + " " + out.error());
    s = *out;
  }
  return s.size();
}

}  // namespace digitrain
