"""The documentation holds to the code: every command and setting is in the references, and the README
stays a short front door whose links into docs/ resolve.

A command or a setting added without its line in docs/reference/ fails here, naming what is missing.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from mentorship.cli import build_parser
from mentorship.outbox import config as mail_config

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CLI_REFERENCE = DOCS / "reference" / "cli.md"
SETTINGS_REFERENCE = DOCS / "reference" / "settings.md"
README = ROOT / "README.md"

# Where the program reads its settings: the package, the server, the pages, the deployment and the scripts.
SETTING_SOURCES = ["mentorship", "deploy", "server.py", "app.py", "pages", "scripts", "devtools"]
SETTING = re.compile(r"\bMENTORSHIP_[A-Z0-9]+(?:_[A-Z0-9]+)*\b(?!_)")
# A table of .streamlit/secrets.toml the code reads: `"auth" in st.secrets`, `st.secrets["x"]`, or the file
# read by hand (outbox/config.py: `tomllib.loads(SECRETS_FILE.read_text(...)).get("smtp", {})`).
SECRETS_TABLE = re.compile(
    r"""["'](\w+)["']\s+in\s+st\.secrets|st\.secrets\[["'](\w+)["']\]|SECRETS_FILE\b[^\n]*\.get\(["'](\w+)["']"""
)


def commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], list[str]]:
    """Every command and subcommand of the parser, as its words, with the options it takes (less the ones
    every command has)."""
    found: dict[tuple[str, ...], list[str]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                words = (*path, name)
                found[words] = [
                    option
                    for a in sub._actions
                    for option in a.option_strings
                    if option.startswith("--") and option not in ("--help", "--db")
                ]
                found.update(commands(sub, words))
    return found


def sections(markdown: str) -> dict[str, str]:
    """The reference's sections by the command in their heading (`### \\`users add\\``): heading to text."""
    parts = re.split(r"^#{2,4} `([^`]+)`\s*$", markdown, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def settings_in_code() -> set[str]:
    names: set[str] = set()
    for source in SETTING_SOURCES:
        path = ROOT / source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            text = file.read_text(encoding="utf-8", errors="replace")
            names.update(SETTING.findall(text))
    return names


def secrets_tables_in_code() -> set[str]:
    tables: set[str] = set()
    for file in (ROOT / "mentorship").rglob("*.py"):
        for match in SECRETS_TABLE.finditer(file.read_text(encoding="utf-8")):
            tables.update(group for group in match.groups() if group)
    return tables


def test_every_command_and_subcommand_has_its_section_in_the_command_line_reference():
    reference = sections(CLI_REFERENCE.read_text(encoding="utf-8"))
    every = commands(build_parser())
    assert ("users", "add") in every and ("outbox", "enable") in every  # the walk reaches subcommands
    missing = [" ".join(words) for words in every if " ".join(words) not in reference]
    assert not missing, f"docs/reference/cli.md has no `### \\`COMMAND\\`` section for: {', '.join(missing)}"


def test_every_option_of_every_command_is_in_its_section():
    reference = sections(CLI_REFERENCE.read_text(encoding="utf-8"))
    missing = [
        f"{' '.join(words)} {option}"
        for words, options in commands(build_parser()).items()
        for option in options
        if " ".join(words) in reference and option not in reference[" ".join(words)]
    ]
    assert not missing, f"docs/reference/cli.md does not name these options: {', '.join(missing)}"


def test_every_setting_the_code_reads_is_in_the_settings_reference():
    reference = SETTINGS_REFERENCE.read_text(encoding="utf-8")
    names = settings_in_code()
    assert {"MENTORSHIP_DATABASE_URL", "MENTORSHIP_SMTP_HOST", "MENTORSHIP_BACKUP_DAYS"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in reference)
    assert not missing, f"docs/reference/settings.md does not describe: {', '.join(missing)}"


def test_every_secrets_table_and_mail_key_is_in_the_settings_reference():
    reference = SETTINGS_REFERENCE.read_text(encoding="utf-8")
    tables = secrets_tables_in_code()
    assert {"auth", "smtp"} <= tables
    missing = [f"[{table}]" for table in sorted(tables) if f"`[{table}]`" not in reference]
    missing += [f"[smtp] {key}" for key in mail_config.ENV_KEYS if f"`{key}`" not in reference]
    assert not missing, f"docs/reference/settings.md does not describe: {', '.join(missing)}"


def test_every_picture_the_documentation_shows_is_made_by_the_screenshot_script():
    from scripts import screenshot

    made = {name for shots in screenshot.SHOTS.values() for _, name in shots}
    pages = [README, *DOCS.rglob("*.md")]
    shown = {
        Path(target).name
        for page in pages
        for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text(encoding="utf-8"))
    }
    assert shown, "no page shows a picture"
    assert not shown - made, f"pictures no script makes again: {', '.join(sorted(shown - made))}"
    assert not made - shown, f"pictures made but shown nowhere: {', '.join(sorted(made - shown))}"
    on_disk = {path.name for path in (DOCS / "images").glob("*.png")}
    assert made == on_disk, f"docs/images/ differs from the script's list: {sorted(made ^ on_disk)}"


def test_the_readme_is_a_short_front_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 150, f"README.md has {len(lines)} lines; the rest belongs in docs/"


def test_the_readme_links_into_docs_resolve_to_pages_of_the_site():
    readme = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?://|#)([^)\s]+)\)", readme)
    assert any(t.startswith("docs/") and t.endswith(".md") for t in targets)
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    broken, unlisted = [], []
    for target in targets:
        path = target.split("#")[0]
        if not (ROOT / path).is_file():
            broken.append(target)
        elif path.endswith(".md") and path.removeprefix("docs/") not in nav:
            unlisted.append(target)
    assert not broken, f"README.md links to files that do not exist: {', '.join(broken)}"
    assert not unlisted, f"README.md links to pages missing from mkdocs.yml's nav: {', '.join(unlisted)}"
