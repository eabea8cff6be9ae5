"""Realistic synthetic data for the demo and the benchmarks, deterministic per seed and "today".

The shape follows the program: Twin Cities communities (Somali, Hmong, Vietnamese, Latino, Ethiopian,
Oromo, Karen, African American, Native, ...), most students BIPOC and most of those asking for a BIPOC
mentor while BIPOC physicians are fewer than that demand, yearly cohorts since January 2021 with
meeting cadences that vary, early endings with reasons, completions, continuations and a waiting list.
Addresses use `.example` domains and 555 phone numbers so a mail draft can never reach a real person.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session

from mentorship import auth
from mentorship import surveys as survey_rules
from mentorship.models import (
    OPEN_MATCH_STATUSES,
    Concern,
    EndReason,
    Match,
    MatchSource,
    MatchStatus,
    Meeting,
    MeetingSource,
    Mentee,
    Mentor,
    Milestone,
    SurveyInvitation,
    SurveyResponse,
    User,
    utcnow,
)
from mentorship.values import join_multi

PROGRAM_START = date(2021, 1, 11)
# Demo sign-ins, printed by `demo` and shown in README. Their passwords are public: the CLI puts them only
# into a demo store that holds nothing but synthetic people, and the dashboard never creates them.
DEMO_ACCOUNTS = (
    ("leader@program.example.org", "leader", "demo-leader-password"),
    ("committee@program.example.org", "committee", "demo-committee-password"),
)
# The domains demo addresses use (reserved names that reach no one): a registration elsewhere is real.
SYNTHETIC_DOMAINS = (".example.org", ".example.edu", ".example.com", ".example.net", ".example")


def is_synthetic_email(email: str) -> bool:
    domain = "." + email.rpartition("@")[2].lower()
    return domain.endswith(SYNTHETIC_DOMAINS)


def sign_ins(session: Session) -> list[tuple[str, str, str]]:
    """The demo sign-ins that work in this store: active, and still with the published password (an account
    of the same email with a password of its own is not printed as a demo sign-in)."""
    users = {
        u.email: u
        for u in session.execute(
            sa.select(User).where(User.email.in_([a[0] for a in DEMO_ACCOUNTS]))
        ).scalars()
    }
    return [
        (email, role, password)
        for email, role, password in DEMO_ACCOUNTS
        if email in users
        and users[email].is_active
        and auth.verify_password(users[email].password_hash, password)
    ]


@dataclass(frozen=True)
class Community:
    label: str  # race/ethnicity as a person might self-describe
    bipoc: bool
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[str, ...] = ()  # besides English


COMMUNITIES: tuple[tuple[Community, float, float], ...] = (
    # (community, weight among mentees, weight among mentors)
    (
        Community(
            "Somali",
            True,
            ("Hodan", "Fartun", "Ifrah", "Sagal", "Hibaaq", "Ayaan", "Ubah", "Nasra", "Hamdi"),
            ("Abdirahman", "Mohamed", "Abdi", "Hassan", "Yusuf", "Mustafe", "Liban", "Ahmed"),
            ("Ali", "Abdullahi", "Hassan", "Warsame", "Farah", "Omar", "Jama", "Hussein", "Nur"),
            ("Somali", "Arabic"),
        ),
        0.16,
        0.05,
    ),
    (
        Community(
            "Hmong",
            True,
            ("Pa Houa", "Mai Nou", "Kalia", "Nou", "Maiv", "Yer", "Choua", "Bao"),
            ("Tou", "Xeng", "Pheng", "Chue", "Kou", "Vang Pao", "Fue", "Long"),
            ("Vang", "Yang", "Xiong", "Thao", "Lee", "Her", "Moua", "Lor", "Vue", "Lo"),
            ("Hmong",),
        ),
        0.14,
        0.05,
    ),
    (
        Community(
            "Vietnamese",
            True,
            ("Linh", "Thao", "Ngoc", "Huong", "Trang", "Mai", "Anh", "Quynh"),
            ("Minh", "Tuan", "Huy", "Duc", "Khoa", "Bao", "Long", "Quang"),
            ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vo", "Dang", "Bui"),
            ("Vietnamese",),
        ),
        0.08,
        0.05,
    ),
    (
        Community(
            "Latino/a (Mexican American)",
            True,
            ("María", "Guadalupe", "Ximena", "Daniela", "Itzel", "Valeria", "Sofía", "Lucía"),
            ("José", "Alejandro", "Luis", "Carlos", "Diego", "Javier", "Miguel", "Andrés"),
            ("García", "Hernández", "Martínez", "López", "Ramírez", "Flores", "Núñez", "Ortiz"),
            ("Spanish",),
        ),
        0.13,
        0.06,
    ),
    (
        Community(
            "Latino/a (Ecuadorian, Salvadoran)",
            True,
            ("Gabriela", "Paola", "Karla", "Andrea", "Rocío"),
            ("Jorge", "Mauricio", "Édgar", "Wilson", "Óscar"),
            ("Guamán", "Quishpe", "Mejía", "Portillo", "Chávez", "Cruz"),
            ("Spanish",),
        ),
        0.05,
        0.01,
    ),
    (
        Community(
            "African American",
            True,
            ("Aaliyah", "Imani", "Jasmine", "Kiara", "Nia", "Brianna", "Destiny", "Zora"),
            ("Jamal", "Darius", "Malik", "Terrence", "Andre", "Marcus", "Isaiah", "Elijah"),
            ("Johnson", "Washington", "Jackson", "Robinson", "Harris", "Coleman", "Brooks"),
            (),
        ),
        0.12,
        0.07,
    ),
    (
        Community(
            "Ethiopian (Amhara)",
            True,
            ("Tigist", "Meron", "Selam", "Hiwot", "Bethlehem", "Liya"),
            ("Abebe", "Dawit", "Yonas", "Henok", "Biruk", "Samuel"),
            ("Tesfaye", "Bekele", "Haile", "Girma", "Alemu", "Mekonnen"),
            ("Amharic",),
        ),
        0.05,
        0.02,
    ),
    (
        Community(
            "Oromo",
            True,
            ("Chaltu", "Ayantu", "Lensa", "Obse", "Hawi", "Gadise"),
            ("Gemechu", "Tolera", "Abdi", "Chala", "Lencho", "Kedir"),
            ("Gudina", "Jiregna", "Tolessa", "Dinsa", "Wako", "Tufa"),
            ("Oromo", "Amharic"),
        ),
        0.04,
        0.01,
    ),
    (
        Community(
            "Karen",
            True,
            ("Naw Paw", "Hser Htoo", "Paw Say", "Eh Moo"),
            ("Saw Kaw", "Eh Doh", "Ta Mla", "Saw Htoo"),
            ("Htoo", "Moo", "Say", "Paw", "Wah"),
            ("Karen", "Burmese"),
        ),
        0.03,
        0.0,
    ),
    (
        Community(
            "Native American (Ojibwe, Dakota)",
            True,
            ("Winona", "Nokomis", "Leah", "Marisa", "Dakota"),
            ("Waylon", "Tate", "Joseph", "Cody", "Micah"),
            ("Whitebird", "Fairbanks", "Jourdain", "Cloud", "Kingbird", "Bellanger", "Robertson"),
            ("Ojibwe",),
        ),
        0.03,
        0.02,
    ),
    (
        Community(
            "South Asian",
            True,
            ("Priya", "Ananya", "Fatima", "Sana", "Divya", "Meera"),
            ("Arjun", "Rahul", "Imran", "Vikram", "Sameer", "Kiran"),
            ("Patel", "Shah", "Reddy", "Khan", "Iyer", "Chaudhry", "Rao"),
            ("Hindi", "Urdu", "Gujarati"),
        ),
        0.04,
        0.07,
    ),
    (
        Community(
            "East Asian",
            True,
            ("Mei", "Jiwoo", "Yuna", "Xinyi", "Hana"),
            ("Wei", "Jun", "Minjun", "Haruto", "Kevin"),
            ("Chen", "Kim", "Park", "Wang", "Liu", "Tanaka", "Zhang"),
            ("Mandarin", "Korean"),
        ),
        0.03,
        0.06,
    ),
    (
        Community(
            "White",
            False,
            ("Emily", "Hannah", "Sarah", "Katherine", "Megan", "Anna", "Laura", "Claire"),
            ("Matthew", "Andrew", "Ryan", "Erik", "Nathan", "Peter", "Daniel", "Lars"),
            ("Anderson", "Johnson", "Olson", "Nelson", "Larson", "Peterson", "Schmidt", "Miller"),
            (),
        ),
        0.10,
        0.57,
    ),
)

SPECIALTIES = (
    ("Family Medicine", 0.28),
    ("Internal Medicine", 0.14),
    ("Pediatrics", 0.12),
    ("Obstetrics and Gynecology", 0.07),
    ("Emergency Medicine", 0.07),
    ("Psychiatry", 0.07),
    ("General Surgery", 0.05),
    ("Anesthesiology", 0.04),
    ("Neurology", 0.03),
    ("Cardiology", 0.03),
    ("Dermatology", 0.02),
    ("Orthopedic Surgery", 0.03),
    ("Radiology", 0.02),
    ("Infectious Disease", 0.02),
    ("Public Health and Preventive Medicine", 0.01),
)
ORGANIZATIONS = (
    ("M Health Fairview", "fairview"),
    ("Hennepin Healthcare", "hennepin"),
    ("Allina Health", "allina"),
    ("HealthPartners", "healthpartners"),
    ("Children's Minnesota", "childrensmn"),
    ("Park Nicollet", "parknicollet"),
    ("NorthPoint Health & Wellness", "northpoint"),
    ("West Side Community Health Services", "westside"),
    ("Community-University Health Care Center", "cuhcc"),
    ("Minneapolis VA Health Care System", "va"),
    ("Mayo Clinic", "mayo"),
    ("Essentia Health", "essentia"),
    ("Native American Community Clinic", "nacc"),
)
CAREER_STAGES = (("Resident", 0.15), ("Early career", 0.35), ("Mid-career", 0.3), ("Senior", 0.2))
SCHOOLS = (
    ("University of Minnesota Twin Cities", "umn"),
    ("University of St. Thomas", "stthomas"),
    ("Augsburg University", "augsburg"),
    ("Macalester College", "macalester"),
    ("Hamline University", "hamline"),
    ("Metropolitan State University", "metrostate"),
    ("St. Catherine University", "stkate"),
    ("Minneapolis College", "minneapolis"),
    ("Carleton College", "carleton"),
    ("St. Olaf College", "stolaf"),
    ("University of Minnesota Duluth", "d.umn"),
    ("Minnesota State University, Mankato", "mnsu"),
)
MAJORS = (
    "Biology",
    "Biochemistry",
    "Neuroscience",
    "Public Health",
    "Chemistry",
    "Psychology",
    "Nutrition",
    "Kinesiology",
    "Biomedical Engineering",
    "Global Health",
)
GOALS = (
    "Understand how to build a strong medical school application.",
    "Prepare for MCAT planning and interviews; learn what primary care looks like day to day.",
    "Find clinical volunteering and shadowing near campus.",
    "Talk with a physician who shares my background about being first in my family in medicine.",
    "Decide between applying this cycle or taking gap years.",
    "Learn how to talk about my community work in a personal statement.",
    "Hear how physicians of color handled bias in training.",
    "Explore pediatrics and community health careers.",
)
REGISTERED_SPREAD_DAYS = 14
INTRO_WAIT = (10, 75)  # days from registration to confirmation, when a mentor is free
NEXT_COHORT_DAYS = 100  # students who registered this recently wait for the next matching round
CONTINUED_DAYS = 400  # closed pairs that lasted this long had decided to continue at their one-year mark
UNDECIDED_DAYS = 20  # open pairs this few days past their mark are still waiting for the leader's decision


@dataclass
class DemoData:
    mentors: list[dict] = field(default_factory=list)
    mentees: list[dict] = field(default_factory=list)
    # matches refer to people by list index; meetings refer to matches by list index
    matches: list[dict] = field(default_factory=list)
    meetings: list[dict] = field(default_factory=list)
    # each person's surveys: match (list index), role, moment, sent day, and the answers (None: no answer)
    surveys: list[dict] = field(default_factory=list)
    # each mentee's known steps toward medical school: mentee (list index), kind, on, school, source
    milestones: list[dict] = field(default_factory=list)


def _weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights, k=1)[0]


def _phone(rng: random.Random) -> str:
    return f"{rng.choice(('612', '651', '763', '952', '507', '218'))}-555-{rng.randrange(10000):04d}"


def _slug(text: str) -> str:
    """`Andrés Núñez` → `andresnunez`: the accents dropped, as an address would be written."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class _Emails:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, first: str, last: str, domain: str) -> str:
        base = f"{_slug(first)}.{_slug(last)}"
        email, n = f"{base}@{domain}", 1
        while email in self.used:
            n += 1
            email = f"{base}{n}@{domain}"
        self.used.add(email)
        return email


def _person(rng: random.Random, community: Community) -> tuple[str, str, str, str]:
    gender = _weighted(rng, (("woman", 0.6), ("man", 0.35), ("nonbinary", 0.05)))
    names = community.women if gender == "woman" else community.men
    if gender == "nonbinary":
        names = community.women + community.men
    pronouns = {"woman": "she/her", "man": "he/him", "nonbinary": "they/them"}[gender]
    return rng.choice(names), rng.choice(community.surnames), gender, pronouns


def _formats(rng: random.Random) -> list[str]:
    return _weighted(
        rng,
        (
            (["virtual", "phone"], 0.5),
            (["virtual"], 0.25),
            (["phone"], 0.08),
            (["virtual", "phone", "in person"], 0.12),
            (["in person"], 0.05),
        ),
    )


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange(max(1, (end - start).days + 1)))


def _registration_date(rng: random.Random, today: date) -> date:
    """Registrations since January 2021: a growing program, busiest each autumn and January."""
    span = (today - PROGRAM_START).days
    while True:
        day = PROGRAM_START + timedelta(days=int(span * rng.random() ** 0.6))
        if day.month in (1, 8, 9, 10) or rng.random() < 0.55:
            return day


def _mentor_status(rng: random.Random, registered: date, today: date) -> str:
    """Physicians drift away over the years: older registrations are more often paused or withdrawn."""
    years = (today - registered).days / 365
    withdrawn, paused = min(0.5, 0.04 + 0.12 * years), 0.06
    return _weighted(rng, (("withdrawn", withdrawn), ("paused", paused), ("active", 1 - withdrawn - paused)))


def _mentor(rng: random.Random, emails: _Emails, today: date) -> dict:
    community = _weighted(rng, [(c, w) for c, _, w in COMMUNITIES])
    first, last, gender, pronouns = _person(rng, community)
    org, org_slug = rng.choice(ORGANIZATIONS)
    bipoc = "yes" if community.bipoc else "no"
    if rng.random() < 0.06:
        bipoc = "undisclosed"
    spoken = [lang for lang in community.languages if rng.random() < 0.7]
    if rng.random() < 0.12:
        spoken.append("Spanish")
    registered = _registration_date(rng, today)
    return {
        "first_name": first,
        "last_name": last,
        "email": emails.make(first, last, f"{org_slug}.example.org"),
        "phone": _phone(rng),
        "pronouns": pronouns,
        "race_ethnicity": community.label if bipoc != "undisclosed" else "",
        "gender": gender,
        "languages": join_multi(["English", *dict.fromkeys(spoken)]),
        "meeting_formats": join_multi(_formats(rng)),
        "registered_on": registered,
        "identifies_bipoc": bipoc,
        "status": _mentor_status(rng, registered, today),
        "specialty": _weighted(rng, SPECIALTIES),
        "organization": org,
        "career_stage": _weighted(rng, CAREER_STAGES),
        "capacity": _weighted(rng, ((1, 0.4), (2, 0.4), (3, 0.2))),
        "advising_areas": join_multi(
            [a for a in ("application", "interviews", "career") if rng.random() < 0.75] or ["career"]
        ),
        "attests_values": rng.random() < 0.93,
    }


def _mentee(rng: random.Random, emails: _Emails, today: date) -> dict:
    community = _weighted(rng, [(c, w) for c, w, _ in COMMUNITIES])
    first, last, gender, pronouns = _person(rng, community)
    school, school_slug = rng.choice(SCHOOLS)
    bipoc = "yes" if community.bipoc else "no"
    if rng.random() < 0.04:
        bipoc = "undisclosed"
    preference = "none"
    if bipoc == "yes":
        preference = _weighted(rng, (("required", 0.22), ("preferred", 0.53), ("none", 0.25)))
    registered = _registration_date(rng, today)
    interests = rng.sample([s for s, _ in SPECIALTIES], k=rng.choice((1, 1, 2, 3)))
    spoken = [lang for lang in community.languages if rng.random() < 0.8]
    return {
        "first_name": first,
        "last_name": last,
        "email": emails.make(first, last, f"{school_slug}.example.edu"),
        "phone": _phone(rng),
        "pronouns": pronouns,
        "race_ethnicity": community.label if bipoc != "undisclosed" else "",
        "gender": gender,
        "languages": join_multi(["English", *dict.fromkeys(spoken)]),
        "meeting_formats": join_multi(_formats(rng)),
        "registered_on": registered,
        "identifies_bipoc": bipoc,
        "status": "active",
        "bipoc_mentor_preference": preference,
        "school": school,
        "class_year": str(registered.year + rng.choice((1, 2, 3, 4))),
        "major": rng.choice(MAJORS),
        "first_generation": rng.random() < 0.45,
        "mentor_gender_preference": _weighted(rng, (("", 0.8), ("woman", 0.15), ("man", 0.05))),
        "specialty_interests": join_multi(interests),
        "goals": rng.choice(GOALS),
    }


def _outcome(rng: random.Random) -> tuple[int, str, EndReason | None]:
    """How long a pair lasts (days) and how it ends: ended early, completed, or continued."""
    roll = rng.random()
    if roll < 0.2:
        reason = _weighted(
            rng,
            (
                (EndReason.schedules, 0.3),
                (EndReason.unresponsive, 0.25),
                (EndReason.moved, 0.12),
                (EndReason.left_premed, 0.12),
                (EndReason.mismatch, 0.08),
                (EndReason.matriculated, 0.05),
                (EndReason.other, 0.08),
            ),
        )
        return rng.randrange(40, 340), MatchStatus.ended, reason
    if roll < 0.62:
        return rng.randrange(365, CONTINUED_DAYS), MatchStatus.completed, EndReason.completed_year
    # continued past the year; then completes or ends in the second year
    if rng.random() < 0.6:
        return rng.randrange(700, 760), MatchStatus.completed, EndReason.completed_year
    return rng.randrange(CONTINUED_DAYS, 700), MatchStatus.ended, EndReason.matriculated


def _meetings(rng: random.Random, start: date, stop: date, formats: list[str]) -> list[tuple[date, str, int]]:
    style = _weighted(rng, (("steady", 0.62), ("drifting", 0.2), ("sporadic", 0.12), ("never", 0.06)))
    if style == "never":
        return []
    interval = rng.uniform(28, 56)
    day = start + timedelta(days=rng.randrange(7, 35))
    out = []
    while day <= stop:
        out.append((day, rng.choice(formats), rng.choice((30, 30, 45, 45, 60, 60, 90))))
        if style == "drifting":
            interval *= rng.uniform(1.15, 1.45)
        gap = interval if style != "sporadic" else rng.uniform(20, 150)
        day += timedelta(days=max(14, int(rng.gauss(gap, 6))))
    return out


def generate(
    *, mentors: int = 60, mentees: int = 120, seed: int = 7, today: date, fresh: bool = False
) -> DemoData:
    """Build the demo program in memory; `fresh` stops at registrations (no pairs, no meetings)."""
    rng = random.Random(seed)
    emails = _Emails()
    data = DemoData()
    data.mentors = [_mentor(rng, emails, today) for _ in range(mentors)]
    data.mentees = sorted(
        (_mentee(rng, emails, today) for _ in range(mentees)), key=lambda m: m["registered_on"]
    )
    if fresh or not data.mentors:
        return data
    _pair_history(rng, data, today)
    _surveys(random.Random(f"surveys-{seed}"), data, today)  # its own stream: the pairs stay as they were
    _milestones(random.Random(f"milestones-{seed}"), data, today)
    return data


# Synthetic paths to medical school. The program learns a student's path when they or their mentor tell the
# leader, or from a partner's list: most of those registered two or more years ago have told it something,
# recent registrations mostly not yet. Of those on the path, most apply (the June before their last college
# year, at the latest the year after they registered, or after one or two gap years), two in three of those
# interview, two in three of those are accepted, and nearly all of those matriculate; some not accepted
# reapply. A few choose another health profession or leave the pre-med path. A pair that ended because the
# mentee matriculated (or left pre-med) says so.
MEDICAL_SCHOOLS = (
    ("University of Minnesota Medical School", 0.34),
    ("Mayo Clinic Alix School of Medicine", 0.12),
    ("Medical College of Wisconsin", 0.1),
    ("University of Wisconsin School of Medicine and Public Health", 0.09),
    ("University of Iowa Carver College of Medicine", 0.08),
    ("Howard University College of Medicine", 0.07),
    ("Morehouse School of Medicine", 0.06),
    ("Meharry Medical College", 0.05),
    ("University of North Dakota School of Medicine and Health Sciences", 0.05),
    ("Des Moines University College of Osteopathic Medicine", 0.04),
)
KNOWN_SHARE = ((2, 0.82), (1, 0.4), (0, 0.06))  # years since registration → share whose path is known


def _path(
    rng: random.Random, mentee: dict, ending: tuple[EndReason, date] | None
) -> list[tuple[str, date, str]]:
    """One known mentee's steps (kind, day, school), possibly into the future (the caller keeps the past).
    `ending`: how and when the mentee's pair ended, when that was matriculating or leaving pre-med."""
    registered = mentee["registered_on"]
    if ending and ending[0] == EndReason.left_premed:
        return [("left_premed", ending[1], "")]
    if ending is None and rng.random() < 0.11:
        off = "other_profession" if rng.random() < 0.55 else "left_premed"
        return [(off, registered + timedelta(days=rng.randrange(120, 900)), "")]
    matriculates = ending is not None
    if matriculates:  # starts medical school the August the pair ended (or the one after)
        cycle = ending[1].year - (1 if ending[1].month <= 8 else 0)
    else:
        first = max(registered.year, min(int(mentee["class_year"]) - 1, registered.year + 1))
        cycle = first + _weighted(rng, ((0, 0.5), (1, 0.3), (2, 0.2)))
    steps = [("mcat", date(cycle, rng.choice((1, 3, 4, 5)), 1), "")]
    if not matriculates and rng.random() < 0.1:
        return steps  # took the MCAT; not (yet) applied
    steps.append(("applied", date(cycle, 6, 1), ""))
    if matriculates or rng.random() < 0.66:
        steps.append(("interviewed", date(cycle, rng.choice((9, 10, 11, 12)), rng.randrange(1, 29)), ""))
        if matriculates or rng.random() < 0.68:
            steps.append(("accepted", date(cycle + 1, rng.choice((1, 2, 3, 4)), rng.randrange(1, 29)), ""))
            if matriculates or rng.random() < 0.94:
                steps.append(("matriculated", date(cycle + 1, 8, 1), _weighted(rng, MEDICAL_SCHOOLS)))
            return steps
    if rng.random() < 0.5:
        steps.append(("reapplying", date(cycle + 1, 6, 1), ""))
    return steps


def _milestones(rng: random.Random, data: DemoData, today: date) -> None:
    endings = {
        m["mentee"]: (m["end_reason"], m["ended_on"])
        for m in data.matches
        if m["end_reason"] in (EndReason.matriculated, EndReason.left_premed)
    }
    for index, mentee in enumerate(data.mentees):
        years = (today - mentee["registered_on"]).days // 365
        known = next(share for after, share in KNOWN_SHARE if years >= after)
        ending = endings.get(index)
        if ending is None and rng.random() >= known:
            continue
        source = "import" if rng.random() < 0.7 else "leader"
        for kind, on, school in _path(rng, mentee, ending):
            if on > today:
                break
            data.milestones.append(
                {"mentee": index, "kind": kind, "on": on, "school": school, "source": source}
            )


# Synthetic survey answers: about a third never answer; most pairs go well, a few do not (a latent "fit" per
# pair moves both people's answers), and a few answers ask the leader to reach out.
RESPONSE_RATE = {"mentor": 0.68, "mentee": 0.62}
OBSTACLES = (
    "Our schedules are hard to line up.",
    "Exams this month.",
    "We have not found a time that works yet.",
    "I was not sure who should reach out first.",
)
COMMENTS = (
    "Our conversations have been really encouraging.",
    "I would like more ideas for what to talk about.",
    "It has been hard to meet regularly.",
    "I feel my experience is understood.",
    "Sometimes I am not sure my background is understood.",
)
HELPED = (
    "Honest advice on the application.",
    "Mock interview practice.",
    "Hearing how my mentor got through medical school.",
    "Someone to talk to who has been through it.",
    "Learning what my mentee's path has been like.",
)
CHANGES = (
    "More structure for the first meetings.",
    "A check-in from the program earlier in the year.",
    "Nothing, it worked well.",
    "Group events with other pairs.",
)
WHY_ENDED = (
    "Our schedules never matched.",
    "I moved away for school.",
    "We did not connect.",
    "I got into medical school.",
    "I decided medicine was not my path.",
)


def _scale(rng: random.Random, fit: float, low: int = 1, high: int = 5) -> int | None:
    if rng.random() < 0.05:
        return None  # prefer not to say
    value = round(rng.gauss(3.9 + 0.8 * fit, 0.8))
    return max(low, min(high, value))


def _answers(rng: random.Random, moment: str, role: str, fit: float, ended: bool) -> tuple[dict, bool]:
    pick = rng.random
    if moment == "start":
        return {
            "met": "yes" if pick() < 0.7 + 0.15 * fit else "no",
            "agreed_rhythm": "yes" if pick() < 0.6 + 0.15 * fit else "no",
            "obstacles": rng.choice(OBSTACLES) if pick() < 0.25 else None,
        }, False
    if moment == "mid":
        answers = {
            "respect": _scale(rng, fit + 0.3),
            "safe_space": _scale(rng, fit + 0.1),
            ("curious" if role == "mentee" else "learned"): _scale(rng, fit),
            "useful_application": _scale(rng, fit - 0.2),
            "useful_interviews": _scale(rng, fit - 0.4),
            "useful_goals": _scale(rng, fit),
            "comments": rng.choice(COMMENTS) if pick() < 0.15 else None,
        }
        return answers, pick() < 0.04
    answers = {
        "overall": _scale(rng, fit),
        "recommend": max(0, min(10, round(rng.gauss(8.3 + 1.5 * fit, 1.6)))),
        "continue": "yes" if fit > 0.3 and not ended else rng.choice(("no", "unsure", "yes")),
        "helped": rng.choice(HELPED) if pick() < 0.35 else None,
        "change": rng.choice(CHANGES) if pick() < 0.3 else None,
    }
    if ended:
        answers["why_ended"] = rng.choice(WHY_ENDED) if pick() < 0.6 else None
    return answers, False


def _surveys(rng: random.Random, data: DemoData, today: date) -> None:
    for index, match in enumerate(data.matches):
        fit = rng.gauss(0, 1)
        ended = match["status"] == MatchStatus.ended
        for moment in survey_rules.MOMENTS:
            due = survey_rules.due_on(moment, match["confirmed_on"])
            if moment == "year" and ended and match["ended_on"] < due:
                due = match["ended_on"]
            elif match["ended_on"] is not None and match["ended_on"] < due:
                continue  # the pair had ended before this moment
            if due > today:
                continue
            for role in survey_rules.ROLES:
                answered_on = due + timedelta(days=rng.randrange(0, 21))
                answers = None
                if rng.random() < RESPONSE_RATE[role] and answered_on <= today:
                    answers = _answers(rng, moment, role, fit, ended and moment == "year")
                data.surveys.append(
                    {"match": index, "role": role, "moment": moment, "sent_on": due, "answered": answered_on}
                    | {"answers": answers}
                )


def _pair_history(rng: random.Random, data: DemoData, today: date) -> None:
    eligible = [i for i, m in enumerate(data.mentors) if m["attests_values"] and m["status"] != "withdrawn"]
    bipoc_mentors = [i for i in eligible if data.mentors[i]["identifies_bipoc"] == "yes"]
    open_load = [0] * len(data.mentors)  # matches that are still open today
    formats = [set(m["meeting_formats"].split("; ")) for m in data.mentors]

    for mentee_index, mentee in enumerate(data.mentees):
        confirmed = mentee["registered_on"] + timedelta(days=rng.randrange(*INTRO_WAIT))
        recent = (today - mentee["registered_on"]).days <= NEXT_COHORT_DAYS
        if recent or confirmed > today - timedelta(days=3) or rng.random() < 0.1:
            _maybe_moved_on(rng, mentee, today, mentee["registered_on"])  # waiting, or gave up
            continue
        wanted = set(mentee["meeting_formats"].split("; "))
        pool = bipoc_mentors if mentee["bipoc_mentor_preference"] == "required" else eligible
        if mentee["bipoc_mentor_preference"] == "preferred" and rng.random() < 0.7:
            pool = bipoc_mentors
        duration, final_status, reason = _outcome(rng)
        ends = confirmed + timedelta(days=duration)
        still_open = ends > today

        def free(i: int, confirmed=confirmed, wanted=wanted, still_open=still_open) -> bool:
            mentor = data.mentors[i]
            return (
                bool(formats[i] & wanted)
                and mentor["registered_on"] <= confirmed
                and (not still_open or (open_load[i] < mentor["capacity"] and mentor["status"] == "active"))
            )

        candidates = [i for i in rng.sample(pool, k=min(len(pool), 40)) if free(i)]
        if not candidates and mentee["bipoc_mentor_preference"] != "required":
            candidates = [i for i in rng.sample(eligible, k=min(len(eligible), 40)) if free(i)]
        if not candidates:
            _maybe_moved_on(rng, mentee, today, mentee["registered_on"])
            continue
        mentor_index = candidates[0]
        if still_open:
            open_load[mentor_index] += 1
            status = MatchStatus.continued if (today - confirmed).days > 365 else MatchStatus.active
            ended_on, end_reason, decided_on = None, None, None
            if status == MatchStatus.continued:
                decided_on = confirmed + timedelta(days=rng.randrange(350, 372))
                if (today - confirmed).days <= 365 + UNDECIDED_DAYS:
                    status, decided_on = MatchStatus.active, None  # past the mark, not yet decided
        else:
            status, ended_on, end_reason = final_status, ends, reason
            decided_on = ends if duration >= 365 else None
            if duration >= CONTINUED_DAYS:  # decided to continue at the mark; ended in the second year
                decided_on = confirmed + timedelta(days=365)
        data.matches.append(
            {
                "mentor": mentor_index,
                "mentee": mentee_index,
                "status": status,
                "confirmed_on": confirmed,
                "ended_on": ended_on,
                "end_reason": end_reason,
                "decided_on": decided_on,
            }
        )
        stop = min(ended_on or today, today)
        shared = sorted(formats[mentor_index] & wanted)
        for met_on, fmt, minutes in _meetings(rng, confirmed, stop, shared):
            data.meetings.append(
                {"match": len(data.matches) - 1, "met_on": met_on, "format": fmt, "duration_minutes": minutes}
            )
        if not still_open:
            if status == MatchStatus.ended and rng.random() < 0.25:
                _maybe_moved_on(rng, mentee, today, ended_on)  # may be asking for another mentor
            else:
                mentee["status"] = "withdrawn"  # the mentorship is over


def _maybe_moved_on(rng: random.Random, mentee: dict, today: date, since: date) -> None:
    """Students left without a mentor for half a year have moved on (or paused)."""
    if (today - since).days > 180:
        mentee["status"] = rng.choice(("withdrawn", "withdrawn", "paused"))


def _recorded(day: date, now: datetime) -> datetime:
    """Noon UTC of `day`, or `now` if that is earlier (a demo generated for a day still to come)."""
    return min(datetime.combine(day, time(12), tzinfo=UTC), now)


def write(session: Session, data: DemoData) -> dict[str, int]:
    """Insert the demo program in the caller's transaction; returns the row counts."""
    now = utcnow()
    stamps = {"created_at": now, "updated_at": now}
    mentor_ids = _insert_returning_ids(session, Mentor, [{**m, **stamps} for m in data.mentors])
    mentee_ids = _insert_returning_ids(session, Mentee, [{**m, **stamps} for m in data.mentees])
    match_rows = [
        {
            "mentor_id": mentor_ids[m["mentor"]],
            "mentee_id": mentee_ids[m["mentee"]],
            "status": m["status"],
            "source": MatchSource.imported,
            "confirmed_on": m["confirmed_on"],
            "ended_on": m["ended_on"],
            "end_reason": m["end_reason"],
            "decided_on": m["decided_on"],
            "reasons": "[]",
            "end_note": "",
            # as if each pair had been confirmed and closed on the dashboard the day it happened, as a
            # program's own pairs are (the committee's figures count a pair from when it was recorded)
            "confirmed_at": _recorded(m["confirmed_on"], now),
            "updated_at": _recorded(
                max(d for d in (m["confirmed_on"], m["ended_on"], m["decided_on"]) if d), now
            ),
        }
        for m in data.matches
    ]
    # Closed pairs first: the capacity trigger then only ever counts the open ones that follow.
    order = sorted(range(len(match_rows)), key=lambda i: match_rows[i]["status"] in OPEN_MATCH_STATUSES)
    ids_in_order = _insert_returning_ids(session, Match, [match_rows[i] for i in order])
    match_ids = [0] * len(match_rows)
    for position, original in enumerate(order):
        match_ids[original] = ids_in_order[position]
    meeting_rows = [
        {
            "match_id": match_ids[m["match"]],
            "met_on": m["met_on"],
            "format": m["format"],
            "duration_minutes": m["duration_minutes"],
            "source": MeetingSource.imported,
            "notes": "",
            "created_at": now,
        }
        for m in data.meetings
    ]
    if meeting_rows:
        session.execute(sa.insert(Meeting), meeting_rows)
    responses = _write_surveys(session, data, match_ids, now)
    milestone_rows = [
        {
            "mentee_id": mentee_ids[m["mentee"]],
            "kind": m["kind"],
            "happened_on": m["on"],
            "school": m["school"],
            "note": "",
            "source": m["source"],
            "recorded_at": _recorded(m["on"] + timedelta(days=30), now),
        }
        for m in data.milestones
    ]
    if milestone_rows:
        session.execute(sa.insert(Milestone), milestone_rows)
    return {
        "mentors": len(mentor_ids),
        "mentees": len(mentee_ids),
        "pairs": len(match_ids),
        "meetings": len(meeting_rows),
        "survey_responses": responses,
        "milestones": len(milestone_rows),
    }


def _write_surveys(session: Session, data: DemoData, match_ids: list[int], now: datetime) -> int:
    """The surveys sent (no links: the demo mails no one) and their answers; a low respect or safety answer,
    or the contact box, raises the leader's concern (resolved when more than a month old)."""
    invitation_rows = [
        {
            "match_id": match_ids[s["match"]],
            "role": s["role"],
            "moment": s["moment"],
            "sent_at": _recorded(s["sent_on"], now),
            "closes_at": _recorded(s["sent_on"], now) + survey_rules.OPEN_FOR,
            "created_at": _recorded(s["sent_on"], now),
        }
        for s in data.surveys
    ]
    invitation_ids = _insert_returning_ids(session, SurveyInvitation, invitation_rows)
    answered = [(i, s) for i, s in enumerate(data.surveys) if s["answers"] is not None]
    response_rows = [
        {
            "invitation_id": invitation_ids[i],
            "version": 1,
            "answers": json.dumps(s["answers"][0]),
            "contact_me": s["answers"][1],
            "submitted_at": _recorded(s["answered"], now),
            "updated_at": _recorded(s["answered"], now),
        }
        for i, s in answered
    ]
    response_ids = _insert_returning_ids(session, SurveyResponse, response_rows)
    concerns = []
    for response_id, (_, s) in zip(response_ids, answered, strict=True):
        answers, contact = s["answers"]
        if not survey_rules.raises_concern(answers, contact):
            continue
        raised = _recorded(s["answered"], now)
        concerns.append(
            {
                "match_id": match_ids[s["match"]],
                "raised_on": s["answered"],
                "note": survey_rules.concern_note(s["moment"], s["role"], answers, contact),
                "created_at": raised,
                "resolved_at": raised + timedelta(days=9) if now - raised > timedelta(days=30) else None,
                "survey_response_id": response_id,
            }
        )
    if concerns:
        session.execute(sa.insert(Concern), concerns)
    return len(response_rows)


def _insert_returning_ids(session: Session, table, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    result = session.execute(sa.insert(table).returning(table.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]
