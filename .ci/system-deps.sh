#!/usr/bin/env bash
# Debian packages the test suite uses: Virtuoso (remote SPARQL store contract tests),
# Chromium + ChromeDriver (browser tests) and CJK fonts (Chinese names render on the page).
# Installs what is missing when run as root; otherwise says what to install.
set -euo pipefail
need=()
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource-7-bin)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi 'noto.*cjk' || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing Debian packages: ${need[*]}" >&2
    echo "system-deps: run as root: apt-get install --no-install-recommends ${need[*]}" >&2
    echo "system-deps: the tests that need them will skip and say why" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
