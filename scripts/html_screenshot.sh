#!/usr/bin/env bash
# Regenerate docs/html-report.png, the README's picture of the HTML report: scan the
# bundled Level-1 example and photograph the page in headless Chromium (nothing fetched).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mlguard scan examples/level1-pipeline --no-cache -f "html:$tmp/report.html" >/dev/null || true
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/profile" --window-size=1280,1500 \
    --screenshot="$PWD/docs/html-report.png" "file://$tmp/report.html" 2>/dev/null
echo "wrote docs/html-report.png"
