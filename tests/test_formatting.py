"""Plain-text labels shared by the pages."""

from datetime import date

import pandas as pd

from mentorship import formatting


def test_every_page_names_a_pair_the_same_way():
    pairs = pd.DataFrame(
        {
            "match_id": [7, 9],
            "mentor": ["Ana María Soto", "Kou Yang"],
            "mentee": ["Eh Moo Wah", "Pa Vang"],
            "one_year_on": [date(2026, 11, 5), date(2027, 1, 2)],
            "score": [13.5, 3.0],
        }
    )
    assert formatting.pair_label("Kou Yang", "Pa Vang") == "Kou Yang & Pa Vang"
    assert formatting.pair_labels(pairs) == {7: "Ana María Soto & Eh Moo Wah", 9: "Kou Yang & Pa Vang"}
    assert formatting.due_pair_labels(pairs) == {
        7: "Ana María Soto & Eh Moo Wah (one-year mark 2026-11-05)",
        9: "Kou Yang & Pa Vang (one-year mark 2027-01-02)",
    }
    assert formatting.pair_labels(pairs, key="Index", detail=lambda row: f"{row.score:.2f}") == {
        0: "Ana María Soto & Eh Moo Wah (13.50)",
        1: "Kou Yang & Pa Vang (3.00)",
    }
