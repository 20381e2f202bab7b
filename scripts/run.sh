#!/usr/bin/env bash
# The main job on embedded defaults: install what is missing, build, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
exec build/bin/cloudnet demo "$@"
