import json
import os
import subprocess
import sys

import pytest

from mentorship import db, queries
from mentorship.cli import main

from .conftest import ROOT


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_the_commands():
    result = subprocess.run(
        [sys.executable, "-m", "mentorship", "--help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    for command in ("init", "demo", "summary"):
        assert command in result.stdout


def test_help_starts_without_loading_any_command_s_libraries():
    # Each command imports its libraries when it runs: the help (and every quick command) starts fast.
    probe = (
        "import sys, runpy; sys.argv = ['mentorship', '--help']\n"
        "try:\n    runpy.run_module('mentorship', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = ('pandas', 'numpy', 'sqlalchemy', 'sqlmodel', 'argon2', 'scipy', 'statsmodels')\n"
        "print('loaded:', sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    # (whitespace aside: a long command name, such as `registration`, widens argparse's column)
    assert "suggest The optimal pairing of waiting mentees with mentors" in " ".join(result.stdout.split())
    assert "loaded: []" in result.stdout


def test_a_reader_that_goes_away_ends_the_command_quietly(store_url):
    # `python -m mentorship ... | head -1`: the pipe's reading end is closed before the command writes.
    assert main(["init", "--db", store_url]) == 0
    reading, writing = os.pipe()
    os.close(reading)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "mentorship", "summary", "--db", store_url],
            cwd=ROOT,
            stdout=writing,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(writing)
    assert result.stderr == b""
    assert result.returncode == 1


def test_a_command_s_value_list_is_still_checked_and_shown(capsys):
    with pytest.raises(SystemExit):
        main(
            ["decide", "--mentor", "a@x.org", "--mentee", "b@x.org", "--decision", "pause", "--as", "l@x.org"]
        )
    err = capsys.readouterr().err
    assert "invalid choice: 'pause' (choose from 'continue', 'complete', 'end')" in err
    with pytest.raises(SystemExit):
        main(["decide", "--help"])
    out = capsys.readouterr().out
    assert "--decision DECISION  continue, complete, end" in out
    assert "schedules, moved," in out


def test_init_creates_the_store(capsys, tmp_path):
    path = tmp_path / "new" / "program.db"
    code, out, _ = run(capsys, "init", "--db", str(path))
    assert code == 0 and path.exists()
    assert f"The store is ready (schema {db.head_revision()})" in out
    assert run(capsys, "init", "--db", str(path))[0] == 0  # upgrading again changes nothing


def test_demo_then_summary_json_is_one_object(capsys, tmp_path, today):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    code, out, _ = run(capsys, "demo", "--db", url, "--mentors", "30", "--mentees", "60", "--seed", "4")
    assert code == 0
    assert out.startswith("Loaded demo data (seed 4): 30 mentors, 60 mentees, ")

    code, out, err = run(capsys, "summary", "--db", url, "--json")
    assert code == 0 and err == ""
    assert out.count("\n") == 1
    figures = json.loads(out)
    engine = db.make_engine(url)
    with db.read_session(engine) as session:
        expected = queries.program_summary(session, today).to_dict()
    assert figures == expected
    assert figures["mentors"] == 30 and figures["mentees"] == 60


def test_summary_text(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run(capsys, "demo", "--db", url)
    code, out, _ = run(capsys, "summary", "--db", url)
    assert code == 0
    assert "Mentors registered" in out and "One-year completion" in out


def test_demo_refuses_a_store_with_registrations(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    run(capsys, "demo", "--db", url, "--mentors", "5", "--mentees", "5")
    code, out, err = run(capsys, "demo", "--db", url)
    assert code == 1 and out == ""
    assert err.strip() == ("The store already has registrations; demo data goes only into an empty store.")


def test_summary_of_a_missing_store_is_unusable_input(capsys, tmp_path):
    code, out, err = run(capsys, "summary", "--db", str(tmp_path / "nothing.db"), "--json")
    assert code == 2 and out == ""
    assert "There is no store at" in err and not (tmp_path / "nothing.db").exists()


@pytest.mark.parametrize("argv", [["demo", "--mentors", "0"], ["summary", "--bogus"]])
def test_bad_arguments_exit_2(capsys, tmp_path, argv):
    with pytest.raises(SystemExit) as exit_info:
        code = main([*argv, "--db", str(tmp_path / "x.db")])
        raise SystemExit(code)
    assert exit_info.value.code == 2


def test_demo_if_empty_leaves_a_store_with_registrations_alone(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert run(capsys, "demo", "--db", url, "--if-empty", "--mentors", "5", "--mentees", "5")[0] == 0
    code, out, err = run(capsys, "demo", "--db", url, "--if-empty")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "The store already has registrations; no demo data added.",
        "Demo sign-ins (synthetic data only):",
        "  leader     leader@program.example.org  password: demo-leader-password",
        "  committee  committee@program.example.org  password: demo-committee-password",
    ]
    code, out, _ = run(capsys, "summary", "--db", url, "--json")
    assert json.loads(out)["mentors"] == 5


def test_users_list_shows_an_account_that_never_signed_in_beside_one_that_did(capsys, store_url):
    from datetime import UTC, datetime

    from mentorship import auth
    from mentorship.models import Role, User

    engine = db.make_engine(store_url)
    db.upgrade(engine)
    with db.write_session(engine) as session:
        session.add(User(email="never@program.example.org", role=Role.committee))
        session.add(
            User(
                email="often@program.example.org",
                role=Role.leader,
                password_hash=auth.hash_password("a long enough password"),
                last_login_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
            )
        )
    code, out, err = run(capsys, "users", "list", "--db", store_url)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("never@program.example.org") and lines[0].endswith("last sign-in never")
    assert lines[1].startswith("often@program.example.org")
    assert lines[1].endswith("last sign-in 2026-11-20 09:30 UTC")


def test_an_endless_file_is_refused_after_reading_the_limit(store_url):
    """/dev/zero never ends: the import reads 5 MB and one byte, then refuses in one sentence."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mentorship",
            "import",
            "mentors",
            "/dev/zero",
            "--dry-run",
            "--db",
            store_url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "The file is larger than 5 MB; an import takes at most 5 MB, so split it into smaller files.\n"
    )
