#!/usr/bin/env bash
# Install the dashboard and start it on demo data (a separate store, data/demo.db).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt

export MENTORSHIP_DATABASE_URL="${MENTORSHIP_DATABASE_URL:-sqlite:///$PWD/data/demo.db}"
.venv/bin/python -m mentorship demo --if-empty

echo "Open http://localhost:${PORT:-8501} in your browser (Ctrl+C stops the dashboard)."
export FORWARDED_ALLOW_IPS="${MENTORSHIP_TRUSTED_PROXIES:-}"  # X-Forwarded-For only from a trusted proxy
exec .venv/bin/python -m streamlit run server.py --server.port "${PORT:-8501}" --server.headless true
