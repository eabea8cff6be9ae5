"""Migration 0010: a store whose Retention page recorded yes/no outcomes on the mentees (0009_surveys) keeps
each "yes" as a milestone from the leader, dated the day the mentee's record last changed; each "no" is
dropped and counted in the audit log; a downgrade brings the "yes" answers back. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command

from mentorship import db

STAGES = ("applied", "interviewed", "accepted", "matriculated")


def migrate(engine, to: str, *, down: bool = False) -> None:
    with engine.execution_options(mentorship_write=True).begin() as connection:
        (command.downgrade if down else command.upgrade)(db._alembic_config(connection), to)


def add_mentee(engine, key: str, updated_at: str, **outcomes: bool | None) -> int:
    """One mentee as a 0009 store held it, written with plain SQL (the models no longer have the columns)."""
    given = {
        "first_name": key.title(),
        "last_name": "Vang",
        "email": f"{key}@school.example.edu",
        "meeting_formats": "virtual",
        "registered_on": "2022-09-01",
        "identifies_bipoc": "yes",
        "status": "active",
        "bipoc_mentor_preference": "none",
        "created_at": "2022-09-01 12:00:00",
        "updated_at": updated_at,
        **outcomes,
    }
    with engine.begin() as connection:
        columns = sa.inspect(connection).get_columns("mentees")
        values = {
            c["name"]: given.get(c["name"], "")
            for c in columns
            if c["name"] != "id" and (c["name"] in given or not c["nullable"])
        }
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        connection.execute(sa.text(f"INSERT INTO mentees ({names}) VALUES ({marks})"), values)
        return connection.execute(
            sa.text("SELECT id FROM mentees WHERE email = :email"), {"email": given["email"]}
        ).scalar_one()


def test_yes_answers_become_milestones_and_come_back_on_downgrade(each_url):
    engine = db.make_engine(each_url)
    migrate(engine, "0009_surveys")
    hodan = add_mentee(
        engine,
        "hodan",
        "2024-05-06 10:30:00",
        applied=True,
        interviewed=True,
        accepted=False,
        matriculated=None,
    )
    pa = add_mentee(engine, "pa", "2025-01-15 08:00:00", applied=False)
    mai = add_mentee(engine, "mai", "2025-02-01 08:00:00")
    ximena = add_mentee(engine, "ximena", "2023-07-31 23:00:00", **dict.fromkeys(STAGES, True))

    db.upgrade(engine)
    assert db.schema_revision(engine) == db.HEAD
    with engine.connect() as connection:
        milestones = connection.execute(
            sa.text(
                "SELECT mentee_id, kind, happened_on, source, school, note FROM milestones "
                "ORDER BY mentee_id, id"
            )
        ).all()
        summaries = connection.execute(
            sa.text("SELECT actor, summary FROM audit_events WHERE action = 'migration.milestones'")
        ).all()
        left = {c["name"] for c in sa.inspect(connection).get_columns("mentees")}
    day = {hodan: date(2024, 5, 6), ximena: date(2023, 7, 31)}
    assert [
        (m, k, date.fromisoformat(str(on)[:10]), s, school, note) for m, k, on, s, school, note in milestones
    ] == [
        (hodan, "applied", day[hodan], "leader", "", ""),
        (hodan, "interviewed", day[hodan], "leader", "", ""),
        *((ximena, stage, day[ximena], "leader", "", "") for stage in STAGES),
    ]
    assert [tuple(s) for s in summaries] == [
        ("system", "6 recorded outcomes became milestones; 2 'no' answers dropped")
    ]
    assert not left & set(STAGES)

    migrate(engine, "0009_surveys", down=True)
    with engine.connect() as connection:
        outcomes = connection.execute(
            sa.text(f"SELECT id, {', '.join(STAGES)} FROM mentees ORDER BY id")
        ).all()
    yes = {row[0]: tuple(None if v is None else bool(v) for v in row[1:]) for row in outcomes}
    assert yes == {
        hodan: (True, True, None, None),  # the "no" on accepted was dropped on the way up
        pa: (None, None, None, None),
        mai: (None, None, None, None),
        ximena: (True, True, True, True),
    }
    engine.dispose()
