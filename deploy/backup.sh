#!/usr/bin/env bash
# The nightly backup (mentorship-backup.timer): one copy of the store in MENTORSHIP_BACKUP_DIR (default
# /var/backups/mentorship), keeping MENTORSHIP_BACKUP_DAYS days of copies (default 14); older ones are
# deleted, and only after tonight's copy is complete.
#   SQLite:     `python -m mentorship backup` (SQLite's online backup API: safe while the dashboard runs)
#               -> mentorship-YYYYMMDDTHHMMSSZ.db
#   PostgreSQL: pg_dump's custom format (a consistent snapshot; restore with pg_restore)
#               -> mentorship-YYYYMMDDTHHMMSSZ.dump
# The store is MENTORSHIP_DATABASE_URL, as for the dashboard. A backup holds everything: the directory is
# made readable by its owner only.
set -euo pipefail
app_dir="$(cd "$(dirname "$0")/.." && pwd)"
python="${MENTORSHIP_PYTHON:-$app_dir/.venv/bin/python}"
dir="${MENTORSHIP_BACKUP_DIR:-/var/backups/mentorship}"
days="${MENTORSHIP_BACKUP_DAYS:-14}"
url="${MENTORSHIP_DATABASE_URL:-}"

if ! [[ "$days" =~ ^[1-9][0-9]*$ ]]; then
    echo "MENTORSHIP_BACKUP_DAYS must be a whole number of days, 1 or more (it is '$days')." >&2
    exit 2
fi
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

case "$url" in
    postgres://* | postgresql://* | postgresql+*://*)
        # pg_dump takes a libpq URL: the same one without SQLAlchemy's driver name (postgresql+psycopg://).
        libpq_url="$(printf '%s' "$url" | sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#')"
        target="$dir/mentorship-$stamp.dump"
        pg_dump --format=custom --no-owner --file="$target.partial" --dbname="$libpq_url"
        ;;
    *)
        target="$dir/mentorship-$stamp.db"
        "$python" -m mentorship backup "$target.partial" >/dev/null
        ;;
esac
mv "$target.partial" "$target"

find "$dir" -maxdepth 1 -type f -name 'mentorship-*' ! -name '*.partial' -mmin "+$((days * 24 * 60))" -delete
find "$dir" -maxdepth 1 -type f -name 'mentorship-*.partial' -mmin +1440 -delete
echo "Backup written to $target; copies older than $days days deleted."
