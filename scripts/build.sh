#!/usr/bin/env bash
# Configures and builds meshproof into build/ (binaries in build/bin/).
# ccache is used when present; a second clean build mostly hits the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${MESHPROOF_BUILD_DIR:-build}
jobs=${MESHPROOF_JOBS:-$(nproc)}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
# With -g, ccache otherwise keys every object on the build's working directory, so a
# second clone of the tree would miss the cache entirely.
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# MESHPROOF_BUILD_TARGETS: only these targets (space-separated), e.g. the demo's binaries.
targets=()
for t in ${MESHPROOF_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
