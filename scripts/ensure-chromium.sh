#!/usr/bin/env bash
# Installs Debian's Chromium (and fonts for CJK text and emoji) for test/report/browser.test.ts.
# Does nothing when /usr/bin/chromium is there already, so CI can run it every time.
# Needs root and the Debian package mirror; playwright-core drives this browser and downloads none.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-chromium: /usr/bin/chromium is missing and installing it needs root: sudo $0" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q chromium fonts-liberation fonts-noto-cjk fonts-noto-color-emoji
/usr/bin/chromium --version
