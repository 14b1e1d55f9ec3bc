#!/usr/bin/env bash
# The main job: install what is missing, build and package the extension, install it into VS Code
# (code-server, served locally), create the demo workspace, run its pipeline once, and serve VS Code
# with the demo open. Prints the URL; Ctrl+C stops it.
#   PORT=8080 (default)   DEMO_DIR=./demo-workspace (default)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh

port="${PORT:-8080}"
demo="$(realpath -m "${DEMO_DIR:-$root/demo-workspace}")"
state="$root/.tools/vscode"
mkdir -p "$state/extensions" "$state/user/User"

npm run --silent build
node scripts/package.mjs "$state/sextant.vsix" >/dev/null
rm -rf "$state"/extensions/sextant.sextant-*
.tools/code-server/node_modules/.bin/code-server --extensions-dir "$state/extensions" --install-extension "$state/sextant.vsix" >/dev/null
[ -f "$state/user/User/settings.json" ] || echo '{ "workbench.startupEditor": "none", "telemetry.telemetryLevel": "off", "security.workspace.trust.enabled": false }' > "$state/user/User/settings.json"

if [ ! -f "$demo/sextant.yaml" ]; then
  node bin/sextant.js init "$demo"
fi
if node bin/sextant.js --help | grep -q '^  run '; then
  echo "start: running the demo pipeline once (sextant run)"
  (cd "$demo" && node "$root/bin/sextant.js" run) || echo "start: the demo pipeline failed (see above); VS Code opens anyway"
fi

url="http://127.0.0.1:$port/?folder=$demo"
echo
echo "Sextant: VS Code with the extension and the demo workspace: $url"
echo
exec .tools/code-server/node_modules/.bin/code-server --bind-addr "127.0.0.1:$port" --auth none --disable-telemetry --disable-update-check --disable-workspace-trust --user-data-dir "$state/user" --extensions-dir "$state/extensions" "$demo"
