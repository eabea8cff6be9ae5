"""Streamlit's own scripts, styles, fonts and images, put where nginx serves them: deploy/static-files [DIR].

The installed streamlit's frontend build (its package's `static/static/`: every file named by its content
hash) is copied into DIR/static/ (default /var/www/mentorship/static/), beside a gzip copy of each text file
(`.js`, `.css`, `.svg`, `.json`) for nginx's `gzip_static`. Which streamlit is the interpreter's: run it with
the deployment's own (deploy/static-files does), after every `pip install` and before the instances restart.
Files already in DIR stay: they are an earlier streamlit's, under other names, and a page an older instance
served before a rolling upgrade still finds its scripts. Nothing else is ever written or deleted.
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_ROOT = Path("/var/www/mentorship")
COMPRESSED = frozenset({".js", ".css", ".svg", ".json"})  # text; fonts (woff2) and images are compressed


@dataclass(frozen=True)
class Published:
    version: str  # streamlit's
    source: Path  # the installed package's static/static/
    files: int  # in the build
    added: int  # of them, new in DIR
    bytes: int  # the build's, as files
    gzip_bytes: int  # the same files as served to a browser that accepts gzip


def streamlit_build() -> tuple[str, Path]:
    """(version, the frontend build's folder of content-hashed files) of the streamlit this Python imports."""
    import streamlit

    return streamlit.__version__, Path(streamlit.__file__).resolve().parent / "static" / "static"


def _write(target: Path, data: bytes, mtime: float) -> None:
    """`target` holds `data` (mode 644), written whole under another name first: nginx never sends half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".", delete=False) as part:
        part.write(data)
    os.chmod(part.name, 0o644)
    os.utime(part.name, (mtime, mtime))
    os.replace(part.name, target)


def publish(root: Path = DEFAULT_ROOT) -> Published:
    """Copy the build into `root`/static/ with a `.gz` beside each text file, keeping what is there; the
    folders are made readable by nginx's workers (mode 755). Returns what it did."""
    version, source = streamlit_build()
    if not source.is_dir():
        raise FileNotFoundError(f"Streamlit's frontend build is not at {source}")
    files = added = size = served = 0
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        target = root / "static" / path.relative_to(source)
        data, mtime = path.read_bytes(), path.stat().st_mtime
        files, size = files + 1, size + len(data)
        packed = target.with_name(target.name + ".gz")
        if target.exists() and target.read_bytes() == data:
            served += packed.stat().st_size if packed.exists() else len(data)
            continue
        added += 1
        # every text file's, even a tiny one's: nginx then never compresses a file as it sends it
        zipped = gzip.compress(data, compresslevel=9, mtime=int(mtime)) if path.suffix in COMPRESSED else None
        if zipped is not None:
            _write(packed, zipped, mtime)
        served += len(data if zipped is None else zipped)
        _write(target, data, mtime)  # last: a file nginx finds has its .gz already
    for folder in [root, *(p for p in (root / "static").rglob("*") if p.is_dir())]:
        folder.chmod(0o755)
    return Published(version, source, files, added, size, served)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="deploy/static-files",
        description="Put the installed streamlit's scripts, styles and fonts (and their gzip copies) where "
        "nginx serves them (deploy/nginx/mentorship.conf's `root`). Run it after every pip install.",
    )
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT, help=f"default {DEFAULT_ROOT}")
    args = parser.parse_args(argv)
    try:
        done = publish(args.root.resolve())
    except OSError as exc:
        print(f"Could not publish Streamlit's files into {args.root}: {exc}", file=sys.stderr)
        return 1
    print(
        f"Streamlit {done.version}: {done.files} files ({done.bytes / 1e6:.1f} MB, "
        f"{done.gzip_bytes / 1e6:.1f} MB as sent with gzip) from {done.source} in {args.root}/static; "
        f"{done.added} new."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
