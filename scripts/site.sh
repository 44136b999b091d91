#!/usr/bin/env bash
# The guide (docs/) as a static site in build/site/: installs mkdocs and
# mkdocs-material from Debian when missing (as root), checks every link of the
# README and the guide (tests/check_docs.py: files and anchors), then builds
# with `mkdocs build --strict` (a warning, e.g. a link mkdocs cannot resolve,
# fails the build). Open build/site/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in mkdocs mkdocs-material python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /tmp/dynae-site-apt.log 2>&1 || {
    tail -20 /tmp/dynae-site-apt.log >&2
    exit 1
  }
fi
/usr/bin/python3 tests/check_docs.py .
mkdocs build --strict --clean
echo "site: build/site/index.html"
