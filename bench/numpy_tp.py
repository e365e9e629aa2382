#!/usr/bin/python3
"""Training throughput of the TP's network in vectorised NumPy (float32), the reference
that `digitrain bench` is compared with.

The network is the `tp` preset: 784-128-64-10, sigmoid hidden layers, softmax output,
no biases, e3 = a3 - y, dW = a^T . e summed over the batch, plain SGD with lr 0.001,
samples taken in order (no shuffling), pixels normalised to [0, 1] per mini-batch from
uint8 as the engine does. Data are random images (NumPy's speed does not depend on the
values), or the IDX files given with --train-images/--train-labels (raw or gzipped).

Run with Debian's python (it has numpy) and one BLAS thread:

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/numpy_tp.py --impl numpy-openblas
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas OPENBLAS_NUM_THREADS=1 \
        /usr/bin/python3 bench/numpy_tp.py --impl numpy-refblas

Prints one JSON object per batch size and line:
    {"impl":"numpy-openblas","threads":1,"batch":32,"samples_per_second":...}
"""
import argparse
import gzip
import json
import sys
import time

import numpy as np


def make_step(W1, W2, W3, lr):
    """One SGD step on a (B, 784) uint8 batch; the code a student writes, kept in float32."""
    lr = np.float32(lr)
    one = np.float32(1)
    inv255 = np.float32(1.0 / 255.0)

    def sigmoid(z):
        return one / (one + np.exp(-z))

    def step(xb, yb):
        a0 = xb.astype(np.float32) * inv255
        a1 = sigmoid(a0 @ W1)
        a2 = sigmoid(a1 @ W2)
        z3 = a2 @ W3
        z3 -= z3.max(axis=1, keepdims=True)
        a3 = np.exp(z3)
        a3 /= a3.sum(axis=1, keepdims=True)
        e3 = a3 - yb                       # softmax + cross-entropy gradient
        e2 = (e3 @ W3.T) * a2 * (one - a2)
        e1 = (e2 @ W2.T) * a1 * (one - a1)
        np.subtract(W3, lr * (a2.T @ e3), out=W3)   # dW = a^T . e, summed over the batch
        np.subtract(W2, lr * (a1.T @ e2), out=W2)
        np.subtract(W1, lr * (a0.T @ e1), out=W1)

    return step


def measure(batch, seconds, warmup, images, onehot, rng):
    # N(0,1)/sqrt(n) for an (m, n) matrix, n the layer's outputs (the TP's Task 5).
    def init(m, n):
        return (rng.standard_normal((m, n)) / np.sqrt(n)).astype(np.float32)

    W1, W2, W3 = init(784, 128), init(128, 64), init(64, 10)
    step = make_step(W1, W2, W3, 0.001)
    count = images.shape[0]
    pos = 0

    def run_for(duration):
        nonlocal pos
        samples = 0
        chunk = 1
        t0 = time.perf_counter()
        elapsed = 0.0
        while elapsed < duration:
            for _ in range(chunk):
                if pos + batch > count:
                    pos = 0
                step(images[pos:pos + batch], onehot[pos:pos + batch])
                pos += batch
                samples += batch
            elapsed = time.perf_counter() - t0
            chunk = min(chunk * 2, 4096)
        return samples, elapsed

    run_for(warmup)
    samples, elapsed = run_for(seconds)
    if not (np.isfinite(W1).all() and np.isfinite(W3).all()):
        raise SystemExit("error: training diverged")
    return samples / elapsed


def read_idx(path):
    """An unsigned-byte IDX file (raw or gzipped) as a NumPy array of its dimensions."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] != b"\0\0" or data[2] != 0x08:
        raise SystemExit(f"error: {path}: not an unsigned-byte IDX file")
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def loaded_blas():
    """Which BLAS this process actually loaded (from /proc/self/maps): openblas, refblas or None."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return None
    # numpy's core links libblas.so.3 (cblas_sgemm comes from it); numpy.linalg may map
    # OpenBLAS's liblapack too, so look at which libblas.so.3 was loaded, not for "openblas".
    libs = {line.split()[-1] for line in maps.splitlines() if "libblas.so" in line}
    if any("/blas/libblas.so" in lib for lib in libs):
        return "refblas"
    if any("openblas" in lib for lib in libs):
        return "openblas"
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--impl", default="auto",
                   help="name printed in the JSON lines (default: numpy-<the BLAS actually loaded>)")
    p.add_argument("--batches", default="1,32,128", help="batch sizes, comma-separated")
    p.add_argument("--seconds", type=float, default=1.5, help="measure each batch size this long (>= 1 s)")
    p.add_argument("--warmup", type=float, default=0.3, help="warm-up seconds before each measurement")
    p.add_argument("--images", type=int, default=8192, help="images to cycle through")
    p.add_argument("--train-images", help="IDX images to train on instead of random ones")
    p.add_argument("--train-labels", help="their IDX labels")
    args = p.parse_args()

    blas = loaded_blas()
    if args.impl == "auto":
        args.impl = "numpy-" + (blas or "unknown-blas")
    elif blas and not args.impl.endswith(blas):
        print(f"warning: --impl {args.impl} but the BLAS loaded is {blas}", file=sys.stderr)

    rng = np.random.default_rng(42)
    if args.train_images and args.train_labels:
        images = read_idx(args.train_images).reshape(-1, 784)[:args.images]
        labels = read_idx(args.train_labels)[:len(images)].astype(np.int64)
    else:
        images = rng.integers(0, 256, size=(args.images, 784), dtype=np.uint8)
        labels = rng.integers(0, 10, size=args.images)
    onehot = np.zeros((len(images), 10), dtype=np.float32)
    onehot[np.arange(len(images)), labels] = 1

    for batch in (int(b) for b in args.batches.split(",") if b):
        sps = measure(batch, args.seconds, args.warmup, images, onehot, rng)
        print(json.dumps({"impl": args.impl, "threads": 1, "batch": batch,
                          "samples_per_second": round(sps, 1)}, separators=(",", ":")))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
