#!/usr/bin/env bash
# Installs the Debian packages CloudNet needs, and only those that are missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake make pkg-config
  # libraries
  libpugixml-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev libspdlog-dev
  coinor-libcbc-dev libglpk-dev liblemon-dev
  # daemons: HTTP(S), stores (SQLite embedded, PostgreSQL client + a server for tests)
  libcpp-httplib-dev libssl-dev libsqlite3-dev libpq-dev postgresql
  # tests, fuzzers, benchmarks, plots
  libgtest-dev libgmock-dev libbenchmark-dev clang gnuplot-nox
  # lab data plane (src/netlab): ip, tc and bridge; ping and iperf3 for its tests
  iproute2 iputils-ping iperf3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
