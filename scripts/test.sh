#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite.
#   scripts/test.sh              Release build, all tests
#   scripts/test.sh --sanitize   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh --fuzz N     build the libFuzzer targets and run each for N seconds
#   scripts/test.sh --ci         what CI runs: the whole suite under the sanitizers (benchmarks
#                                built too, so they cannot rot) and the fuzzers; the sanitizer run
#                                is the stricter one, and a second (Release) build would double
#                                CI's time on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

run_tests() {
  local dir=$1
  shift
  scripts/build.sh "$dir" "$@"
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)" --timeout 600)
}

mode=${1:-}
case "$mode" in
  "") run_tests build ;;
  --sanitize) run_tests build-asan -DCLOUDNET_SANITIZE=ON -DCLOUDNET_BUILD_BENCH=OFF ;;
  --fuzz) scripts/fuzz.sh "${2:-30}" ;;
  --ci)
    run_tests build-asan -DCLOUDNET_SANITIZE=ON -DCLOUDNET_BUILD_BENCH=ON
    scripts/fuzz.sh 30
    ;;
  *) echo "usage: scripts/test.sh [--sanitize | --fuzz SECONDS | --ci]" >&2; exit 2 ;;
esac
