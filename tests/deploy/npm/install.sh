#!/usr/bin/env bash
# Installs the pinned npm packages of the manifest checks (package-lock.json) into
# tests/deploy/npm/node_modules. Idempotent: a no-op when node_modules already holds
# exactly the locked versions. Prefers npm's cache, so after one install (scripts/setup.sh
# runs this) it works without the registry.
set -euo pipefail
cd "$(dirname "$0")"
# npm ci writes node_modules/.package-lock.json; it matches the lock's packages when the
# install is current.
if [ -f node_modules/.package-lock.json ] &&
   node -e '
     const fs = require("fs");
     const want = JSON.parse(fs.readFileSync("package-lock.json")).packages;
     const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json")).packages;
     for (const [path, p] of Object.entries(want)) {
       if (path === "") continue;
       if (!have[path] || have[path].version !== p.version || have[path].integrity !== p.integrity) process.exit(1);
     }
     if (Object.keys(have).length !== Object.keys(want).length - 1) process.exit(1);
   '; then
  exit 0
fi
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
