#!/usr/bin/env bash
# Install Debian's chromium for the browser tests when it is missing. Idempotent and quiet; never fails the
# build: without chromium the browser tests skip and say why.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
  echo "Installing chromium for the browser tests (apt-get)..."
  if ! ($SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || ($SUDO apt-get update -qq >/dev/null 2>&1 && \
        $SUDO apt-get install -y -qq chromium >/dev/null 2>&1)); then
    echo "Could not install chromium; the browser tests will be skipped." >&2
  fi
else
  echo "No apt-get here; install chromium yourself to run the browser tests." >&2
fi
exit 0
