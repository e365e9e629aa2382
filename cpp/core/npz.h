// Export of a network's weights as a NumPy .npz, so a student can continue in Python:
//   p = np.load("model.npz"); z1 = a @ p["w1"] + p["b1"]
// It holds w1.npy (shape (m, n), the TP's orientation), b1.npy (shape (n,), only when the
// layer has a bias), w2.npy, b2.npy, ... as float32 ('<f4'), C order. A convnet's conv layers
// come first as conv1_w.npy (shape (out, in, kh, kw), like PyTorch's), conv1_b.npy, conv2_w.npy,
// ...; w1 then reads the last feature map flattened in (y, x, channel) order (conv.h).
//
// Writing only: nothing here reads .npz files. The archive is a stored (uncompressed) ZIP
// built by hand, because zlib is not part of the WebAssembly build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "network.h"

namespace digitrain {

// The bytes of the .npz file.
std::vector<uint8_t> networkToNpz(const Network& network);

// CRC-32 as ZIP uses it (IEEE 802.3, reflected, polynomial 0xEDB88320);
// zipCrc32("123456789") == 0xCBF43926. (Not named crc32: zlib's ::crc32 lives nearby natively.)
uint32_t zipCrc32(const uint8_t* data, size_t size);

}  // namespace digitrain
