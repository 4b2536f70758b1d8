#!/usr/bin/env bash
# Builds meshproof and runs every test: unit, contract, lab and integration tests
# (real processes over real gRPC against the local lab), then a bounded fuzz run of
# the parsers (scripts/fuzz.sh). This is the command README and CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
build_dir=${MESHPROOF_BUILD_DIR:-build}

# Integration tests start their own labs and services on free ports.
ctest --test-dir "$build_dir" --output-on-failure --timeout 600 -j "${MESHPROOF_TEST_JOBS:-2}"

if [ -x scripts/fuzz.sh ]; then
  scripts/fuzz.sh "${MESHPROOF_FUZZ_SECONDS:-90}"
fi
echo "all tests passed"
