#!/usr/bin/env bash
# Installs code-server (the real VS Code workbench, served to a browser) into .tools/code-server,
# from the npm registry only. Idempotent. Used by the e2e tests and by scripts/start.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="4.100.3"   # VS Code 1.100.3; newer code-server needs Node 22
prefix="$root/.tools/code-server"
bin="$prefix/node_modules/.bin/code-server"
if [ -x "$bin" ] && grep -q "\"version\": \"$version\"" "$prefix/node_modules/code-server/package.json" 2>/dev/null; then
  exit 0
fi
# @vscode/ripgrep's postinstall downloads ripgrep from GitHub unless its cache holds the archive:
# seed the cache with Debian's rg so nothing is downloaded.
rg_bin="$(command -v rg || true)"
if [ -z "$rg_bin" ]; then
  echo "install-code-server: ripgrep is missing (apt-get install ripgrep)" >&2
  exit 1
fi
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
scratch="$(mktemp -d)"
mkdir -p "$cache"
cp "$rg_bin" "$scratch/rg"
tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$scratch" rg
rm -rf "$scratch"
mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{"name":"sextant-tools-code-server","private":true}' > "$prefix/package.json"
echo "install-code-server: installing code-server@$version into .tools/ (about a minute)"
( cd "$prefix" && npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund "code-server@$version" )
