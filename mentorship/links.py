"""Links the leader hands out: a pair's check-in link, and `mailto:` drafts (no streamlit here).

The dashboard's public address comes from MENTORSHIP_PUBLIC_URL (default http://localhost:8501): a check-in
link has to work from the pair's own browser, so it must name the address people reach the dashboard at.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import quote, urlencode

PUBLIC_URL_ENV = "MENTORSHIP_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
CHECKIN_PATH = "Check_in"  # pages/6_Check_in.py
REGISTER_PATH = "Register"  # pages/8_Register.py
SURVEY_PATH = "Survey"  # pages/9_Survey.py
UPDATE_PATH = "Update"  # pages/12_Update.py
TOKEN_BYTES = 32  # 256 bits from the OS's CSPRNG

# How long a personal link works after it was made (each new mail makes a fresh one; only hashes are kept).
CHECKIN_LINK_LIFETIME = timedelta(days=180)  # a pair's check-in link: invitations every 30 days renew it
PERSONAL_LINK_LIFETIME = timedelta(days=90)  # a registration's link, once confirmed: re-issued by a new mail
STOP_LINK_LIFETIME = timedelta(days=365)  # "stop these reminders" in one person's invitation or nudge


def new_token() -> str:
    """An unguessable check-in token (43 URL-safe characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the store keeps of a link's token: its SHA-256, so a copy of the store opens no link."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def public_base_url() -> str:
    return (os.environ.get(PUBLIC_URL_ENV) or DEFAULT_PUBLIC_URL).strip().rstrip("/")


def checkin_url(token: str, base: str | None = None) -> str:
    return f"{base or public_base_url()}/{CHECKIN_PATH}?{urlencode({'token': token})}"


def register_url(form: str, base: str | None = None) -> str:
    """The public registration form the leader shares: `form` is mentor or mentee."""
    return f"{base or public_base_url()}/{REGISTER_PATH}?{urlencode({'as': form})}"


def personal_url(token: str, base: str | None = None) -> str:
    """A person's own link: confirm the registration, then update it or withdraw."""
    return f"{base or public_base_url()}/{REGISTER_PATH}?{urlencode({'token': token})}"


def stop_reminders_url(token: str, base: str | None = None) -> str:
    """Where "stop these reminders" lands: one person's own stop link (the token names that person only)."""
    return f"{base or public_base_url()}/{CHECKIN_PATH}?{urlencode({'stop': token})}"


def survey_url(token: str, base: str | None = None) -> str:
    """One person's own link to one of their surveys."""
    return f"{base or public_base_url()}/{SURVEY_PATH}?{urlencode({'token': token})}"


def update_url(token: str, base: str | None = None) -> str:
    """One mentee's own link to their yearly "Where are you now?"."""
    return f"{base or public_base_url()}/{UPDATE_PATH}?{urlencode({'token': token})}"


def stop_yearly_url(token: str, base: str | None = None) -> str:
    """Where a yearly mail's "stop these yearly emails" lands (the token names that mentee only)."""
    return f"{base or public_base_url()}/{UPDATE_PATH}?{urlencode({'stop': token})}"


def mailto(to: Sequence[str], subject: str, body: str) -> str:
    """A `mailto:` URL that opens a draft in the leader's mail program; nothing is sent from here."""
    recipients = ",".join(quote(address, safe="@") for address in to)
    return f"mailto:{recipients}?subject={quote(subject, safe='')}&body={quote(body, safe='')}"


def checkin_invitation(*, to: Sequence[str], mentor_first: str, mentee_first: str, url: str) -> str:
    body = (
        f"Hi {mentor_first} and {mentee_first},\n\n"
        "This is your pair's personal check-in link. Each time you meet, either of you can use it to tell "
        "the program you met (it takes a minute and needs no account):\n\n"
        f"{url}\n\n"
        "Please keep it between the two of you. If you would like me to reach out about anything, the same "
        "page has a box for that.\n\nThank you!"
    )
    return mailto(to, "Your mentorship check-in link", body)


def nudge(*, to: Sequence[str], mentor_first: str, mentee_first: str, days: int, has_met: bool) -> str:
    since = f"your last meeting was {days} days ago" if has_met else f"you were paired {days} days ago"
    body = (
        f"Hi {mentor_first} and {mentee_first},\n\n"
        f"A friendly note from the mentorship program: {since}, and the program asks pairs to meet every "
        "one to two months (a video or phone call is perfect). Could you find a time in the next few weeks?"
        "\n\nIf anything is getting in the way, just reply and let me know.\n\nThank you!"
    )
    return mailto(to, "Time for your next mentorship meeting", body)


# --- Pairing ---
def introduction(
    *, to: Sequence[str], mentor_first: str, mentee_first: str, mentor_name: str, mentee_name: str
) -> str:
    """The leader's introduction of a newly confirmed pair, as a draft in the leader's own mail program.

    The greeting uses the first names as registered: a first name may have several words ("Eh Moo")."""
    body = (
        f"Hi {mentor_first} and {mentee_first},\n\n"
        f"I am delighted to introduce you to each other as a new pair in our mentorship program: "
        f"{mentor_name}, meet {mentee_name}; {mentee_name}, meet {mentor_name}.\n\n"
        "The program asks pairs to meet every one to two months for at least a year (a video or phone call "
        "is perfect), and to keep a space of mutual respect and cultural humility. Could you find a time "
        "for a first conversation in the next two weeks?\n\n"
        "If anything comes up along the way, just reply and let me know.\n\nThank you both!"
    )
    return mailto(to, "Introducing your mentorship pair", body)
