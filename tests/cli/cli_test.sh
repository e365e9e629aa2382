#!/usr/bin/env bash
# End-to-end checks of the `digitrain` CLI on the committed fixtures.
#
#   tests/cli/cli_test.sh BINARY FIXTURES_DIR [CASE...]
#
# Runs the named cases (all of them when none is named); CTest runs each case as its own
# test (see the end of CMakeLists.txt). Exits non-zero on the first mismatch, printing what
# was expected and what the command wrote.
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 BINARY FIXTURES_DIR [CASE...]" >&2
  exit 2
fi
BIN=$1
FIX=$2
shift 2

DIGITS="$FIX/digits"
BAD="$FIX/malformed"
TRAIN_IMAGES="$DIGITS/train-images-idx3-ubyte.gz"
TRAIN_LABELS="$DIGITS/train-labels-idx1-ubyte.gz"
TEST_IMAGES="$DIGITS/t10k-images-idx3-ubyte.gz"
TEST_LABELS="$DIGITS/t10k-labels-idx1-ubyte.gz"
TRAIN=(--train-images "$TRAIN_IMAGES" --train-labels "$TRAIN_LABELS")
TEST=(--test-images "$TEST_IMAGES" --test-labels "$TEST_LABELS")

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CASE=""

fail() {
  {
    echo "FAIL [$CASE]: $*"
    echo "--- command: ${LAST_CMD:-}"
    echo "--- exit status: ${RC:-}"
    echo "--- stdout (first 40 lines):"
    head -n 40 "$TMP/out" 2>/dev/null
    echo "--- stderr:"
    cat "$TMP/err" 2>/dev/null
  } >&2
  exit 1
}

# run ARGS...: runs the binary, stdout to $TMP/out, stderr to $TMP/err, status in RC.
run() {
  LAST_CMD="digitrain $*"
  "$BIN" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
  RC=$?
}

expect_rc() { [ "$RC" -eq "$1" ] || fail "expected exit status $1"; }
expect_out() { grep -Eq -- "$1" "$TMP/out" || fail "stdout does not match /$1/"; }
expect_err() { grep -Eq -- "$1" "$TMP/err" || fail "stderr does not match /$1/"; }
expect_out_lines() {
  local n
  n=$(wc -l <"$TMP/out")
  [ "$n" -eq "$1" ] || fail "expected $1 lines on stdout, got $n"
}
expect_err_empty() { [ ! -s "$TMP/err" ] || fail "expected nothing on stderr"; }

# bad_input TEXT ARGS...: exit status 2, nothing on stdout, exactly one stderr line that
# starts with "error: " and contains TEXT (a fixed string: the file or flag it must name).
bad_input() {
  local text=$1
  shift
  run "$@"
  expect_rc 2
  [ ! -s "$TMP/out" ] || fail "expected nothing on stdout"
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "expected exactly one line on stderr"
  grep -q '^error: ' "$TMP/err" || fail "stderr does not start with 'error: '"
  grep -qF -- "$text" "$TMP/err" || fail "the error does not name '$text'"
}

# --- cases -------------------------------------------------------------------------------

case_info_gz() {
  run info "$TRAIN_IMAGES" "$TRAIN_LABELS"
  expect_rc 0
  expect_out 'type +u8'
  expect_out '3,000 images of 28.28 pixels'
  expect_out '3,000 labels'
  expect_out 'histogram'
  run info --json "$TEST_IMAGES" "$TEST_LABELS"
  expect_rc 0
  expect_out_lines 2
  expect_out '^\{"file":"[^"]*t10k-images-idx3-ubyte.gz","type":"u8","dims":\[1000,28,28\],"count":1000,'
  expect_out '"kind":"labels".*"histogram":\[101,114,81,106,102,80,106,123,93,94\]\}$'
}

case_info_raw() {
  gzip -dc "$TEST_LABELS" >"$TMP/t10k-labels-idx1-ubyte" || fail "gzip -dc failed"
  run info --json "$TMP/t10k-labels-idx1-ubyte" "$BAD/label-12-idx1-ubyte"
  expect_rc 0
  expect_out_lines 2
  expect_out '"dims":\[1000\],"count":1000,.*"histogram":\[101,114,81,106,102,80,106,123,93,94\]'
  # Valid IDX whose labels are not all digits: described, without a histogram.
  expect_out '"dims":\[5\],"count":5,"elements":5,"kind":"labels","min":1(\.0)?,"max":12(\.0)?,"mean":5(\.0)?\}$'
}

case_train_json() {
  run train "${TRAIN[@]}" "${TEST[@]}" --epochs 2 --limit 500 --json
  expect_rc 0
  expect_err_empty
  expect_out_lines 2
  local keys='"epoch":[12],"learning_rate":0\.001,"samples_per_second":[0-9.e+]+,"seconds":[0-9.e+-]+,"test_error":[0-9.e-]+,"test_loss":[0-9.e-]+,"train_error":[0-9.e-]+,"train_loss":[0-9.e-]+,"validation_error":null,"validation_loss":null'
  [ "$(grep -Ec "^\{$keys\}\$" "$TMP/out")" -eq 2 ] || fail "stdout is not exactly two epoch objects"
  expect_out '^\{"epoch":1,'
  expect_out '^\{"epoch":2,'
  # Human output: one line per epoch with the errors as percentages.
  run train "${TRAIN[@]}" "${TEST[@]}" --epochs 2 --limit 500
  expect_rc 0
  expect_out '^epoch 1/2  loss [0-9.]+  train [0-9.]+%  test [0-9.]+%  lr 0\.001  [0-9.]+ s  [0-9,]+ samples/s$'
  expect_out '^epoch 2/2 '
}

case_preset_override() {
  run train "${TRAIN[@]}" --preset lab --epochs 1 --limit 300 --validation 100 --lr 0.5 --batch 50 \
    --layers 784,20,10 --seed 7 --save "$TMP/lab.json" --json
  expect_rc 0
  expect_out_lines 1
  expect_out '"learning_rate":0\.5,'
  expect_out '"validation_error":[0-9.]+,"validation_loss":[0-9.]+\}$'
  local model="$TMP/lab.json"
  grep -Eq '"preset": "lab"' "$model" || fail "the saved config does not say preset lab"
  grep -Eq '"layers": \[784, ?20, ?10\]' "$model" || fail "--layers did not override the preset"
  grep -Eq '"learning_rate": 0\.5,' "$model" || fail "--lr did not override the preset"
  grep -Eq '"batch_size": 50,' "$model" || fail "--batch did not override the preset"
  grep -Eq '"seed": 7,' "$model" || fail "--seed did not override the preset"
  # Kept from the preset: mse loss, sigmoid output, biases, mean reduction.
  grep -Eq '"loss": "mse",' "$model" || fail "the preset's loss was lost"
  grep -Eq '"output": "sigmoid",' "$model" || fail "the preset's output activation was lost"
  grep -Eq '"bias": true,' "$model" || fail "the preset's biases were lost"
  grep -Eq '"reduction": "mean",' "$model" || fail "the preset's reduction was lost"
}

# The lab's subset run: its first 1,000 training digits and 200 of its held-out ones. Its
# 10,000 held out are more than the fixture's 3,000: the engine's one rule holds out a fifth,
# with a warning, exactly as the page does (no refusal).
case_lab_subset() {
  run train "${TRAIN[@]}" --preset lab --epochs 2 --limit 1000 --validation-limit 200 --save "$TMP/lab.json" --json
  expect_rc 0
  expect_out_lines 2
  expect_out '"validation_error":[0-9.]+,"validation_loss":[0-9.]+\}$'
  expect_err '^warning: Validation: The lab preset holds out 10,000 digits for validation, more than the 3,000 training digits loaded; this run holds out 600 \(a fifth\) instead\.$'
  grep -Eq '"validation_limit": 200,' "$TMP/lab.json" || fail "--validation-limit was not saved"
  grep -Eq '"bias_init": "like-weights",' "$TMP/lab.json" || fail "the lab's biases are not drawn like its weights"
  # The human header counts the samples each split really has.
  run train "${TRAIN[@]}" --preset lab --epochs 1 --limit 1000 --validation-limit 200
  expect_rc 0
  expect_err '^warning: Validation: '
  expect_out '^data: 1,000 training samples, 200 validation$'
}

case_save_eval_predict() {
  run train "${TRAIN[@]}" --preset best --epochs 2 --limit 1000 --save "$TMP/m.json" --save-npz "$TMP/m.npz"
  expect_rc 0
  expect_out "saved the model to $TMP/m.json"
  [ -s "$TMP/m.json" ] || fail "--save wrote nothing"
  [ "$(head -c 2 "$TMP/m.npz")" = "PK" ] || fail "--save-npz did not write a ZIP archive"
  run eval --model "$TMP/m.json" --images "$TEST_IMAGES" --labels "$TEST_LABELS" --json
  expect_rc 0
  expect_out_lines 1
  expect_out '"count":1000,'
  expect_out '"error":0\.[0-3][0-9]*,'  # two epochs on 1,000 digits: well under 40% wrong
  expect_out '"confusion":\[(\[([0-9]+,){9}[0-9]+\],){9}\[([0-9]+,){9}[0-9]+\]\]\}$'
  run eval --model "$TMP/m.json" --images "$TEST_IMAGES" --labels "$TEST_LABELS" --threads 2
  expect_rc 0
  expect_out '^error [0-9.]+% \([0-9]+ wrong\)'
  expect_out 'confusion matrix \(rows: true digit'
  run predict --model "$TMP/m.json" --images "$TEST_IMAGES" --index 3 --labels "$TEST_LABELS" --json
  expect_rc 0
  expect_out_lines 1
  expect_out '^\{"index":3,"predicted":[0-9],"label":3,"probabilities":\[([0-9.e-]+,){9}[0-9.e-]+\]\}$'
  run predict --model "$TMP/m.json" --images "$TEST_IMAGES"
  expect_rc 0
  expect_out '^image 0 of .*: predicted [0-9]'
}

# A model trained on random crops (the convnetjs preset) reads whole digits: `eval` gives the
# test error the run reported (both average the same 4 windows per digit) and `predict` takes a
# 28×28 image; the file's input is the 24×24 window and its config says crop 24.
case_crop_preset() {
  run train "${TRAIN[@]}" "${TEST[@]}" --preset convnetjs --epochs 1 --limit 300 --test-limit 200 --save "$TMP/c.json" --json
  expect_rc 0
  local reported
  reported=$(grep -Eo '"test_error":[0-9.e-]+' "$TMP/out" | cut -d: -f2)
  [ -n "$reported" ] || fail "the run reported no test error"
  grep -Eq '"input": \{"rows": 24, "cols": 24,' "$TMP/c.json" || fail "the model's input is not the 24×24 window"
  grep -Eq '"crop": 24,' "$TMP/c.json" || fail "the saved config does not say crop 24"
  grep -Eq '"optimizer": "adadelta",' "$TMP/c.json" || fail "the saved config does not say adadelta"
  run eval --model "$TMP/c.json" --images "$TEST_IMAGES" --labels "$TEST_LABELS" --limit 200 --json
  expect_rc 0
  local evaluated
  evaluated=$(grep -Eo '"error":[0-9.e-]+' "$TMP/out" | cut -d: -f2)
  [ "$evaluated" = "$reported" ] || fail "eval gives error $evaluated, the run reported $reported"
  run predict --model "$TMP/c.json" --images "$TEST_IMAGES" --index 3 --labels "$TEST_LABELS" --json
  expect_rc 0
  expect_out '^\{"index":3,"predicted":[0-9],"label":3,"probabilities":\[([0-9.e-]+,){9}[0-9.e-]+\]\}$'
}

case_step_lab() {
  local model="$FIX/models/lab-2-2-1.json"
  run step --model "$model" --input '[0.8, 0.2]' --target '[0.4]' --lr 5
  expect_rc 0
  expect_out_lines 1
  expect_out '"output_after":\[0\.406488235892101[0-9]*\]'
  expect_out '"output_before":\[0\.559729599109577[0-9]*\]'
  expect_out '"learning_rate":5(\.0)?,'
  # The same from files; without --lr the model (which has no config) steps at 0.1.
  echo '[0.8, 0.2]' >"$TMP/x.json"
  echo '[0.4]' >"$TMP/y.json"
  run step --model "$model" --input "$TMP/x.json" --target "$TMP/y.json"
  expect_rc 0
  expect_out '"learning_rate":0\.1,'
  bad_input "--input" step --model "$model" --input '[0.8]' --target '[0.4]'
}

# A hand-computable convnet step: 4×4 input 1..16, a 2×2 kernel [[0.5, 0], [0, 0.5]] at stride 2
# (outputs 3.5, 5.5, 11.5, 13.5), ReLU, 2×2 max pool (13.5), dense 0.1 with identity output and
# squared error against 1: z = 1.35, L = ½·0.35² = 0.06125, e = 0.35, dW = 13.5·0.35 = 4.725;
# the pool passes w·e = 0.035 to the last window, whose patch is [[11, 12], [15, 16]]:
# dK = 0.035·[[11, 12], [15, 16]] = [[0.385, 0.42], [0.525, 0.56]], db = 0.035. Every number
# is checked to 12 decimals (the printed doubles differ from them only in the 16th digit).
case_step_conv() {
  # near X: a regex for a printed double within ~1e-12 of the decimal X (its digits, then
  # zeros or nines up to the 12th decimal).
  near() {
    local decimals=${1#*.} pad
    pad=$((12 - ${#decimals}))
    printf '%s(0{%d}[0-9]*|9{%d}[0-9]*)?' "${1//./\\.}" "$pad" "$pad"
  }
  run step --model "$FIX/models/conv-4x4.json" --input '[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]' --target '[1]' --lr 1
  expect_rc 0
  expect_out_lines 1
  expect_out '"a":\[3\.5,5\.5,11\.5,13\.5\]'
  expect_out "\"loss_before\":$(near 0.06125),"
  expect_out "\"weight_gradient\":\[\[$(near 4.725)\]\]"
  expect_out "\"e\":\[0\.0,0\.0,0\.0,$(near 0.035)\]"
  expect_out "\"weight_gradient\":\[\[\[\[$(near 0.385),$(near 0.42)\],\[$(near 0.525),$(near 0.56)\]\]\]\]"
  expect_out "\"bias_gradient\":\[$(near 0.035)\]"
  expect_out '"loss_after":0\.5,'
}

case_bad_input() {
  bad_input "$TMP/missing.gz" info "$TMP/missing.gz"
  bad_input "png-magic-idx3-ubyte" info "$BAD/png-magic-idx3-ubyte"
  bad_input "truncated-images-idx3-ubyte" info "$BAD/truncated-images-idx3-ubyte"
  bad_input "truncated-labels-idx1-ubyte.gz" info "$BAD/truncated-labels-idx1-ubyte.gz"
  bad_input "empty-idx1-ubyte" info "$BAD/empty-idx1-ubyte"
  bad_input "$TMP/missing.gz" train --train-images "$TMP/missing.gz" --train-labels "$TRAIN_LABELS"
  bad_input "png-magic-idx3-ubyte" train --train-images "$BAD/png-magic-idx3-ubyte" --train-labels "$TRAIN_LABELS"
  bad_input "label-12-idx1-ubyte" train --train-images "$TRAIN_IMAGES" --train-labels "$BAD/label-12-idx1-ubyte"
  bad_input "--frobnicate" train "${TRAIN[@]}" --frobnicate 3
  bad_input "--lr" train "${TRAIN[@]}" --lr abc
  bad_input "--lr" train "${TRAIN[@]}" --lr
  bad_input "--epochs" train "${TRAIN[@]}" --epochs 1.5
  bad_input "--train-images" train --train-labels "$TRAIN_LABELS"
  bad_input "--preset" train "${TRAIN[@]}" --preset nope
  bad_input "--activation" train "${TRAIN[@]}" --activation softmax
  bad_input "--loss" train "${TRAIN[@]}" --loss hinge
  bad_input "--bias" train "${TRAIN[@]}" --bias maybe
  bad_input "--save" train "${TRAIN[@]}" --save "$TMP/no/such/folder/m.json"
  bad_input "png-magic-idx3-ubyte" eval --model "$BAD/png-magic-idx3-ubyte" --images "$TEST_IMAGES" --labels "$TEST_LABELS"
  bad_input "--index" predict --model "$FIX/models/lab-2-2-1.json" --images "$TEST_IMAGES" --index x
  bad_input "frobnicate" frobnicate
  bad_input "train" frobnicate  # the message lists the commands
}

case_diverge() {
  run train "${TRAIN[@]}" --limit 300 --epochs 3 --activation relu --output identity --loss squared-error \
    --lr 1e5 --json
  expect_rc 3
  [ ! -s "$TMP/out" ] || fail "a run that diverges in epoch 1 prints no epoch"
  expect_err '^stopped: training diverged'
  grep -q '^error: ' "$TMP/err" && fail "divergence is not an error line"
  return 0
}

case_help() {
  run --help
  expect_rc 0
  expect_out '^usage: digitrain <command>'
  run --version
  expect_rc 0
  expect_out '^digitrain [0-9]+\.[0-9]+\.[0-9]+$'
  run train --help
  expect_rc 0
  expect_out '--save-npz'
  run presets
  expect_rc 0
  expect_out '^tp '
  expect_out '^lab '
  run help settings
  expect_rc 0
  expect_out '^usage: digitrain settings'
  run presets --json
  expect_rc 0
  expect_out '^\{"name":"tp","source":".+","description":".+","config":\{"preset":"tp","layers":\[784,128,64,10\],'
}

case_settings() {
  run settings --json
  expect_rc 0
  expect_err_empty
  cp "$TMP/out" "$TMP/settings.json"
  # The schema as the page reads it: every row complete, the ranges the core enforces.
  python3 - "$TMP/settings.json" >"$TMP/flags" <<'PY' || fail "settings --json is not the expected schema"
import json, sys
rows = json.load(open(sys.argv[1]))
assert isinstance(rows, list) and len(rows) >= 25, rows
by = {r["key"]: r for r in rows}
for r in rows:
    for k in ("key", "type", "default", "label", "help", "flag", "presets"):
        assert k in r, (r.get("key"), k)
    if r["type"] in ("int", "number", "layers"):
        assert "min" in r, r["key"]
    if r["type"] == "enum":
        assert r["values"] and r["default"] in r["values"], r["key"]
    assert set(r["presets"]) >= {"tp", "lab", "best"}, r["key"]
m = by["momentum"]
assert (m["min"], m["min_exclusive"], m["max"], m["max_exclusive"]) == (0, False, 1, True), m
assert by["layers"]["max"] == 65536 and by["layers"]["last"] == 10, by["layers"]
assert "softmax" not in by["hidden"]["values"] and "softmax" in by["output"]["values"]
assert by["hidden"]["aliases"] == ["--hidden"]
assert by["learning_rate"]["presets"]["tp"] == 0.001
for r in rows:
    print(r["flag"], *r.get("aliases", []))
PY
  # Every flag of the schema is one `train` knows and documents.
  run train --help
  expect_rc 0
  cp "$TMP/out" "$TMP/help"
  local flag
  for flag in $(cat "$TMP/flags"); do
    grep -qF -- "$flag " "$TMP/help" || fail "train --help does not list $flag"
    bad_input "$flag" train "${TRAIN[@]}" "$flag" "@@"
    grep -q 'unknown flag' "$TMP/err" && fail "train does not know the schema's flag $flag"
  done
  # Range errors name the flag, in the core's words.
  bad_input "--momentum must be at least 0 and below 1, got 1" train "${TRAIN[@]}" --optimizer momentum --momentum 1
  bad_input "--layers must be at least 2 whole numbers from 1 to 65536, the last 10, got 70000" \
    train "${TRAIN[@]}" --layers 784,70000,10
  bad_input "--output must be softmax with the cross-entropy loss, got sigmoid" train "${TRAIN[@]}" --output sigmoid
  bad_input "--hidden is another name for --activation" train "${TRAIN[@]}" --hidden relu --activation tanh
  # --batch full is the whole set, as the schema's words say.
  run train "${TRAIN[@]}" --limit 200 --epochs 1 --batch full --json --save "$TMP/full.json"
  expect_rc 0
  grep -Eq '"batch_size": 0,' "$TMP/full.json" || fail "--batch full did not give batch_size 0"
  # The readable table.
  run settings
  expect_rc 0
  expect_out '^learning_rate +--lr +number'
  expect_out 'accepts a number at least 0 and below 1; default 0.9'
  expect_out '^hidden +--activation, --hidden +enum'
}

case_bench() {
  run bench --seconds 0.05 --batches 32 --json
  expect_rc 0
  expect_out_lines 2
  expect_out '^\{"impl":"native","threads":1,"batch":32,"mode":"train","samples_per_second":[1-9][0-9]*\}$'
  expect_out '^\{"impl":"native","threads":1,"batch":32,"mode":"inference","samples_per_second":[1-9][0-9]*\}$'
  # On digits (the sparse first layer), and the files' errors named.
  run bench --seconds 0.05 --batches 1,32 --json "${TRAIN[@]}"
  expect_rc 0
  expect_out_lines 4
  expect_out '^\{"impl":"native","threads":1,"batch":32,"mode":"train","samples_per_second":[1-9][0-9]*\}$'
  run bench --train-images "$TRAIN_IMAGES"
  expect_rc 2
  expect_err '^error: --train-images needs --train-labels too$'
  run bench --train-images "$TRAIN_LABELS" --train-labels "$TRAIN_LABELS"
  expect_rc 2
  expect_err '^error: .*train-labels-idx1-ubyte.gz: images are not 2-D per sample'
}

ALL=(info_gz info_raw train_json preset_override lab_subset save_eval_predict crop_preset step_lab step_conv bad_input
  diverge help settings bench)
[ $# -gt 0 ] || set -- "${ALL[@]}"
for CASE in "$@"; do
  if ! declare -F "case_$CASE" >/dev/null; then
    echo "unknown case $CASE (known: ${ALL[*]})" >&2
    exit 2
  fi
  "case_$CASE"
  echo "ok [$CASE]"
done
