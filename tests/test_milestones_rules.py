"""The funnel's rules on plain frames: who counts in which stage, and the two comparisons' groups."""

from datetime import date

import pandas as pd

from mentorship import milestones

TODAY = date(2026, 6, 1)


def test_the_concordance_comparison_reads_each_mentees_first_pair_as_it_is():
    # Mentee 1's first mentor did not disclose a BIPOC identity (None); the second identifies as BIPOC. The
    # first pair decides the group, so mentee 1 is in neither group (left out), not "concordant".
    mentees = pd.DataFrame({"mentee_id": [1, 2], "registered_on": [date(2023, 1, 5), date(2023, 2, 1)]})
    pairs = pd.DataFrame(
        {
            "mentee_id": [1, 1, 2],
            "confirmed_on": [date(2023, 2, 1), date(2024, 2, 1), date(2023, 3, 1)],
            "ended_on": [date(2023, 9, 1), None, None],
            "asked": [True, True, True],
            "concordant": [None, True, False],
        }
    )
    steps = pd.DataFrame({"mentee_id": [1, 2], "kind": ["applied", "accepted"]})
    paths = milestones.mentee_paths(mentees, steps, pairs, TODAY)
    table = milestones.comparisons(paths, pairs, TODAY)
    known = table[(table["comparison"] == "concordance") & (table["outcome"] == "applied")]
    assert dict(zip(known["group"], known["known"], strict=True)) == {
        "BIPOC-identifying mentor": 0,
        "Mentor not BIPOC-identifying": 1,
    }
