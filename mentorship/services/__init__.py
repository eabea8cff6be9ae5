"""The write operations. Each is one transaction that records its audit event in the same commit.

Every write takes the acting account and checks its role here, not only in the page: hiding a button is
not authorisation. A refusal is itself written to the audit log, in a transaction of its own.

One module per area (`core`: the audited transaction every write runs in; `accounts`, `stewardship`,
`decisions`, `cadence`, `registrations`, `pairs`); callers use the names re-exported here
(`services.confirm_pair(...)`).
"""

from mentorship import audit  # noqa: F401  (tests patch services.audit.record)
from mentorship.services.accounts import (
    NOT_A_DEMO_STORE,
    add_demo_accounts,
    add_user,
    deactivate_user,
    load_demo,
)
from mentorship.services.cadence import (
    CHECKIN_ACTOR,
    CHECKINS_PER_DAY,
    CHECKINS_PER_HOUR,
    INACTIVE_LINK,
    MAX_CONCERN_NOTE,
    MAX_MEETING_MINUTES,
    MAX_MEETING_NOTE,
    TOO_MANY_CHECKINS,
    CheckinReceipt,
    export_nudges,
    issue_checkin_link,
    log_meeting,
    mint_checkin_link,
    replace_checkin_link,
    resolve_concern,
    revoke_checkin_links,
    revoke_link,
    set_cadence_thresholds,
    submit_checkin,
)
from mentorship.services.core import (
    LEADER_ONLY,
    Operation,
    operation,
    operation_session,
    record_refusal,
    record_signed_out_refusal,
    select_ids,
    typed_text,
)
from mentorship.services.decisions import NOTE_MAX, Decision, DecisionResult, decide, record_outcomes
from mentorship.services.pairs import (
    WEIGHT_RANGE,
    Confirmed,
    PairOutcome,
    confirm_pair,
    confirm_selected,
    reject_pair,
    set_match_weights,
    undo_rejection,
)
from mentorship.services.registrations import (
    add_registration,
    export_registrations,
    import_registrations,
    set_registration_status,
    update_registration,
)
from mentorship.services.stewardship import ERASED, backup, erase_person, export_audit_log

__all__ = [
    "CHECKINS_PER_DAY",
    "CHECKINS_PER_HOUR",
    "CHECKIN_ACTOR",
    "CheckinReceipt",
    "Confirmed",
    "Decision",
    "DecisionResult",
    "ERASED",
    "INACTIVE_LINK",
    "LEADER_ONLY",
    "MAX_CONCERN_NOTE",
    "MAX_MEETING_MINUTES",
    "MAX_MEETING_NOTE",
    "NOTE_MAX",
    "Operation",
    "PairOutcome",
    "TOO_MANY_CHECKINS",
    "WEIGHT_RANGE",
    "add_registration",
    "add_user",
    "backup",
    "confirm_pair",
    "confirm_selected",
    "deactivate_user",
    "decide",
    "erase_person",
    "export_audit_log",
    "export_nudges",
    "export_registrations",
    "import_registrations",
    "issue_checkin_link",
    "mint_checkin_link",
    "load_demo",
    "add_demo_accounts",
    "NOT_A_DEMO_STORE",
    "log_meeting",
    "operation",
    "operation_session",
    "record_outcomes",
    "record_refusal",
    "record_signed_out_refusal",
    "reject_pair",
    "replace_checkin_link",
    "resolve_concern",
    "revoke_checkin_links",
    "revoke_link",
    "select_ids",
    "typed_text",
    "set_cadence_thresholds",
    "set_match_weights",
    "set_registration_status",
    "submit_checkin",
    "undo_rejection",
    "update_registration",
]
