#!/usr/bin/env python3
"""The README's NumPy forward pass of a convnet's .npz export against the engine's predictions.

  check_npz_forward.py DIGITRAIN README.md FIXTURES_DIR

Takes the python block the README marks (the comment line naming this script, then the next
```python block), runs it as written in a folder where `model.npz` is a freshly trained
convnet's export, and compares its `forward` on test digits with `digitrain predict --json` on
the saved model file: the same digit and the same probabilities to 1e-5 (float32 sums in
another order). Two networks: ReLU with valid convolutions (the tfjs-example shape), and tanh
with `same` padding (an odd amount, so its extra row goes after; then with stride 2), an
overlapping pool and a hidden dense layer. Exits 1 on any failure.
"""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print('check_npz_forward.py needs NumPy (Debian: apt-get install python3-numpy)', file=sys.stderr)
    sys.exit(1)

TOLERANCE = 1e-5
DIGITS = 6  # test digits per network
NETWORKS = [
    # (layers, --activation, the README's `hidden` for it)
    ('784,conv5x8,pool2,conv5x16,pool2,10', 'relu', None),
    ('784,conv4x6same,pool3s2,conv3x5s2same,24,10', 'tanh', 'np.tanh'),
]

binary, readme, fixtures = sys.argv[1:4]


def readme_block():
    text = open(readme, encoding='utf-8').read()
    marker = text.find('tests/reference/check_npz_forward.py runs the next python block')
    if marker < 0:
        sys.exit(f'{readme}: no python block is marked for check_npz_forward.py')
    match = re.search(r'^( *)```python\n(.*?)^\1```', text[marker:], re.S | re.M)
    if not match:
        sys.exit(f'{readme}: the marked python block is not there')
    indent = match.group(1)
    return '\n'.join(line[len(indent):] for line in match.group(2).split('\n'))


def idx_images(path):
    data = gzip.open(path).read()
    count, rows, cols = (int.from_bytes(data[i:i + 4], 'big') for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(count, rows * cols)


def digitrain(*args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'digitrain {" ".join(args)} failed ({r.returncode}):\n{r.stderr}')
    return r.stdout


code = readme_block()
digits = f'{fixtures}/digits'
test_images = f'{digits}/t10k-images-idx3-ubyte.gz'
images = idx_images(test_images)
failures = 0
for layers, activation, hidden in NETWORKS:
    with tempfile.TemporaryDirectory() as tmp:
        digitrain('train', '--train-images', f'{digits}/train-images-idx3-ubyte.gz',
                  '--train-labels', f'{digits}/train-labels-idx1-ubyte.gz', '--layers', layers,
                  '--activation', activation, '--epochs', '1', '--limit', '300', '--seed', '3',
                  '--save', f'{tmp}/model.json', '--save-npz', f'{tmp}/model.npz')
        scope = {}
        cwd = os.getcwd()
        os.chdir(tmp)  # the block loads "model.npz"
        try:
            exec(compile(code, f'{readme} (the NumPy forward pass)', 'exec'), scope)
        finally:
            os.chdir(cwd)
        kwargs = {'hidden': eval(hidden, scope)} if hidden else {}
        for index in range(DIGITS):
            engine = json.loads(digitrain('predict', '--model', f'{tmp}/model.json', '--images', test_images,
                                          '--index', str(index), '--json'))
            ours = scope['forward'](scope['p'], layers, images[index], **kwargs)
            worst = float(np.max(np.abs(ours - np.asarray(engine['probabilities']))))
            same = int(ours.argmax()) == engine['predicted']
            ok = same and worst <= TOLERANCE
            failures += not ok
            print(f'{"ok  " if ok else "FAIL"} {layers} ({activation}) digit {index}: NumPy says {int(ours.argmax())}, '
                  f'digitrain {engine["predicted"]}, max |Δp| {worst:.2e}')
sys.exit(1 if failures else 0)
