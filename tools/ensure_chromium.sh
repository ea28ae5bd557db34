#!/usr/bin/env bash
# Install Debian's Chromium for the browser test when it is missing (never a downloaded browser build).
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "Could not install chromium with apt-get; the browser test will report this."
else
  echo "No /usr/bin/chromium and no root apt-get: the browser test will be skipped locally (fails under CI=true)."
fi
exit 0
