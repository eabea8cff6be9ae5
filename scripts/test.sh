#!/usr/bin/env bash
# Install everything the tests need (Python packages, Chromium, PostgreSQL, nginx and openssl for the
# deployment's test) and run them.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k cadence`.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} (for the browser, PostgreSQL and deployment tests)..."
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt

MENTORSHIP_REQUIRE_SERVERS=1 exec .venv/bin/python -m pytest "$@"
