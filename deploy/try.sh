#!/usr/bin/env bash
# The whole deployment on this machine in one command: a PostgreSQL server, two dashboard instances on it
# (deploy/run-instance, as systemd runs them), nginx in front (deploy/nginx/mentorship.conf) serving HTTPS
# with a self-signed certificate, and demo data in that throwaway store. Prints the https:// address;
# Ctrl+C stops everything and deletes it. Every port is a free one. `--instances N` for more instances.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Install ${missing[*]} first: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi
exec .venv/bin/python -m deploy.stack "$@"
