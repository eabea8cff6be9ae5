"""How multi-choice cells and self-described identities are read, by intake and the pairing engine alike."""

import pytest

from mentorship.values import split_identities, split_multi


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("Virtual; Phone", ["Virtual", "Phone"]),
        ("English, Hmong, Lao", ["English", "Hmong", "Lao"]),
        ("Spanish (Mexican, Caribbean); Somali", ["Spanish (Mexican, Caribbean)", "Somali"]),
        ("Asian (Hmong, Lao); Black", ["Asian (Hmong, Lao)", "Black"]),
        ("pediatrics\nfamily medicine; Pediatrics", ["pediatrics", "family medicine"]),
        ("", []),
        (None, []),
    ],
)
def test_a_multi_choice_cell_splits_at_semicolons_line_breaks_and_commas_outside_brackets(cell, items):
    assert split_multi(cell) == items


@pytest.mark.parametrize(
    ("text", "identities"),
    [
        ("Black, African American", ["Black, African American"]),
        ("Asian (Hmong, Lao); Black", ["Asian (Hmong, Lao)", "Black"]),
        ("Somali\nBlack ; somali", ["Somali", "Black"]),
        ("", []),
    ],
)
def test_a_self_described_identity_splits_only_where_the_person_separated_it(text, identities):
    assert split_identities(text) == identities
