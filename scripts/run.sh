#!/usr/bin/env bash
# The main job on embedded defaults: install what is missing, build, run the demo
# (`cloudnet demo`: a local federation of one VNP and two PIPs embeds the
# webservice request over HTTP; `scripts/run.sh --mapping` runs the FleRD and
# mapping demo instead).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
exec build/bin/cloudnet demo "$@"
