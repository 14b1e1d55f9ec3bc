#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for Sextant's main job and its tests, from Debian's
# packages and the npm registry only. Idempotent: a second run installs nothing.
#   Debian: chromium (browser tests), ripgrep (code-server's search, seeded so nothing downloads),
#           libkrb5-dev python3 make g++ (native builds: better-sqlite3, code-server's modules)
#           python3-sklearn python3-scipy python3-onnx (reference numbers and ONNX checks in the tests)
#   npm:    the project's dependencies (npm ci), code-server into .tools/ (scripts/install-code-server.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
# Reference numbers and file checks for the tests, at /usr/bin/python3 (tests that need them skip loudly).
for pkg in python3-sklearn python3-scipy python3-onnx; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: please install these Debian packages as root: ${missing[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# onnxruntime-node's postinstall would download CUDA add-ons from GitHub: skip it (CPU binaries ship in
# the package; .npmrc says the same for a plain `npm install`).
export ONNXRUNTIME_NODE_INSTALL=skip
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci (builds better-sqlite3 from source: about a minute)"
  npm ci --no-audit --no-fund
fi
bash scripts/install-code-server.sh
echo "setup: ready"
