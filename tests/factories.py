"""Small builders for registrations in tests: only what a test cares about needs saying."""

from datetime import date

from mentorship.models import Mentee, Mentor


def make_mentor(key: str = "kou", **fields) -> Mentor:
    base = {
        "first_name": key.title(),
        "last_name": "Yang",
        "email": f"{key}@clinic.example.org",
        "meeting_formats": "virtual",
        "registered_on": date(2023, 1, 1),
        "capacity": 2,
        "attests_values": True,
        "identifies_bipoc": "yes",
        "status": "active",
    }
    return Mentor(**{**base, **fields})


def make_mentee(key: str = "pa", **fields) -> Mentee:
    base = {
        "first_name": key.title(),
        "last_name": "Vang",
        "email": f"{key}@school.example.edu",
        "meeting_formats": "virtual",
        "registered_on": date(2023, 1, 1),
        "identifies_bipoc": "yes",
        "status": "active",
        "bipoc_mentor_preference": "none",
    }
    return Mentee(**{**base, **fields})
