#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang and runs each for a while.
#   scripts/fuzz.sh [SECONDS]       each of fuzz_xml, fuzz_yaml, fuzz_json for SECONDS (default 30)
#   FUZZ_TARGETS="fuzz_yaml" scripts/fuzz.sh 600    only some targets
# Build dir: build-fuzz (clang, ASan + UBSan + libFuzzer). The corpus grows in
# build-fuzz/corpus/<form> across runs; seeds come from fuzz/seeds, examples,
# tests/fixtures and tests/malformed. A crash, timeout (-timeout=10) or memory
# blow-up (-rss_limit_mb=2048) fails the script (non-zero exit) and leaves its
# input in build-fuzz/artifacts/<target>/; reproduce with
#   build-fuzz/fuzz/fuzz_xml build-fuzz/artifacts/fuzz_xml/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
targets=${FUZZ_TARGETS:-fuzz_xml fuzz_yaml fuzz_json}
build=build-fuzz
max_len=65536

CC=clang CXX=clang++ cmake -S . -B "$build" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCLOUDNET_FUZZ=ON -DCLOUDNET_BUILD_TESTS=OFF -DCLOUDNET_BUILD_BENCH=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j"${JOBS:-2}" --target $targets

# Seeds: every document of the project in the target's form, small enough to fuzz.
bash tests/malformed/generate.sh "$build/malformed-generated" >/dev/null
seed_files() {
  local ext
  for ext in "$@"; do
    find fuzz/seeds examples tests/fixtures tests/malformed "$build/malformed-generated" \
      -type f -name "*.$ext" -size -$((max_len / 1024))k 2>/dev/null
  done
}

failed=()
for target in $targets; do
  form=${target#fuzz_}
  case $form in
    xml) exts=(xml) ;;
    yaml) exts=(yaml yml json) ;;  # JSON is YAML too
    json) exts=(json) ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  seeds="$build/seeds/$form"
  corpus="$build/corpus/$form"
  artifacts="$build/artifacts/$target"
  rm -rf "$seeds"
  mkdir -p "$seeds" "$corpus" "$artifacts"
  seed_files "${exts[@]}" | while read -r f; do cp "$f" "$seeds/"; done
  echo "== $target: ${seconds}s, $(ls "$seeds" | wc -l) seeds, $(ls "$corpus" | wc -l) corpus entries"
  if ! "$build/fuzz/$target" "$corpus" "$seeds" \
      -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len="$max_len" \
      -dict="fuzz/$form.dict" -artifact_prefix="$artifacts/" -print_final_stats=1 \
      2>"$build/$target.log"; then
    echo "!! $target found a problem; see $build/$target.log and $artifacts/" >&2
    tail -n 60 "$build/$target.log" >&2
    failed+=("$target")
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)" \
    "$build/$target.log" || true
done

if ((${#failed[@]})); then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing: no crashes in ${targets// /, } (${seconds}s each)"
