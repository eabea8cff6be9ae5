"""The pairing engine: hard rules, score components and reasons, the optimum, unmatched mentees, the gap."""

import itertools
import random
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from mentorship import assignment, db, matching, privacy, queries, settings
from mentorship.matching import Cohort
from mentorship.models import Exclusion, MatchStatus
from mentorship.privacy import reasons_for_role
from mentorship.settings import MatchWeights

from .conftest import TODAY
from .factories import make_match, make_mentee, make_mentor

ONLY = dict.fromkeys(MatchWeights.__dataclass_fields__, 0.0)


def weights_only(**chosen: float) -> MatchWeights:
    return MatchWeights(**{**ONLY, **chosen})


def mentor(mentor_id: int, **fields) -> dict:
    return {
        "mentor_id": mentor_id,
        "email": f"dr{mentor_id}@clinic.example.org",
        "status": "active",
        "attests_values": True,
        "capacity": 1,
        "open_matches": 0,
        "identifies_bipoc": "yes",
        "gender": "woman",
        "languages": "English",
        "meeting_formats": "virtual",
        "specialty": "Family Medicine",
        "advising_areas": "",
        "race_ethnicity": "",
        **fields,
    }


def mentee(mentee_id: int, **fields) -> dict:
    return {
        "mentee_id": mentee_id,
        "email": f"s{mentee_id}@school.example.edu",
        "status": "active",
        "has_open_match": False,
        "identifies_bipoc": "yes",
        "bipoc_mentor_preference": "none",
        "mentor_gender_preference": "",
        "languages": "English",
        "meeting_formats": "virtual",
        "specialty_interests": "",
        "race_ethnicity": "",
        "registered_on": TODAY,
        **fields,
    }


def cohort(mentors: list[dict], mentees: list[dict], excluded: list[tuple] = ()) -> Cohort:
    return Cohort(
        mentors=pd.DataFrame(mentors, columns=list(mentor(0))),
        mentees=pd.DataFrame(mentees, columns=list(mentee(0))),
        excluded=pd.DataFrame(list(excluded), columns=["mentor_id", "mentee_id", "why"]),
        today=TODAY,
    )


def pairs(result: matching.Suggestions) -> list[tuple[int, int]]:
    return sorted((p.mentor_id, p.mentee_id) for p in result.pairs)


# Hard rules: never suggested, and listed as blockers for a hand-picked pair
@pytest.mark.parametrize(
    ("mentor_fields", "mentee_fields", "excluded", "blocker"),
    [
        ({"status": "paused"}, {}, [], "The mentor's registration is paused, not active."),
        (
            {"attests_values": False},
            {},
            [],
            "The mentor has not attested the program's values of anti-racism and cultural humility.",
        ),
        ({"capacity": 2, "open_matches": 2}, {}, [], "The mentor is at capacity (2 of 2 places taken)."),
        ({}, {"status": "withdrawn"}, [], "The mentee's registration is withdrawn, not active."),
        ({}, {"has_open_match": True}, [], "The mentee already has an open match."),
        (
            {"meeting_formats": "virtual; phone"},
            {"meeting_formats": "in person"},
            [],
            "They share no meeting format (the mentor meets phone or virtual, the mentee in person).",
        ),
        ({}, {}, [(1, 1, "rejected")], "The leader rejected this pair; undo the rejection to pair them."),
        ({}, {}, [(1, 1, "paired before")], "They were paired before, and that match ended."),
        (
            {"identifies_bipoc": "no"},
            {"bipoc_mentor_preference": "required"},
            [],
            "The mentee requires a BIPOC mentor, and this mentor does not identify as BIPOC.",
        ),
        (
            {"identifies_bipoc": "undisclosed"},
            {"bipoc_mentor_preference": "required"},
            [],
            "The mentee requires a BIPOC mentor, and this mentor does not identify as BIPOC.",
        ),
    ],
)
def test_a_pair_breaking_a_hard_rule_is_never_suggested(mentor_fields, mentee_fields, excluded, blocker):
    broken = cohort([mentor(1, **mentor_fields)], [mentee(1, **mentee_fields)], excluded)
    assert pairs(matching.suggest(broken, MatchWeights())) == []
    assessment = matching.assess_pair(broken, 1, 1, MatchWeights())
    assert assessment.blockers == (blocker,)
    assert assessment.score is None

    fine = cohort([mentor(1)], [mentee(1)])
    assert pairs(matching.suggest(fine, MatchWeights())) == [(1, 1)]
    assert matching.assess_pair(fine, 1, 1, MatchWeights()).blockers == ()


def test_capacity_left_counts_open_matches():
    two_places_one_taken = cohort(
        [mentor(1, capacity=2, open_matches=1)], [mentee(1), mentee(2, registered_on=date(2026, 1, 5))]
    )
    result = matching.suggest(two_places_one_taken, weights_only(waiting_time=1))
    assert pairs(result) == [(1, 2)]  # one place left: the student who waited longer gets it
    assert [(u.mentee_id, u.code) for u in result.unmatched] == [(1, "needed_elsewhere")]


def test_a_preferred_bipoc_mentor_is_soft_and_a_required_one_is_hard():
    non_bipoc = [mentor(1, identifies_bipoc="no")]
    preferred = cohort(non_bipoc, [mentee(1, bipoc_mentor_preference="preferred")])
    assert pairs(matching.suggest(preferred, MatchWeights())) == [(1, 1)]
    assessment = matching.assess_pair(preferred, 1, 1, MatchWeights())
    assert assessment.blockers == ()
    assert assessment.warnings == (
        "The mentee would prefer a BIPOC mentor, and this mentor does not identify as BIPOC.",
    )
    required = cohort(non_bipoc, [mentee(1, bipoc_mentor_preference="required")])
    assert pairs(matching.suggest(required, MatchWeights())) == []


# Score components and their sentences
@pytest.mark.parametrize(
    ("weight", "mentor_fields", "mentee_fields", "points", "sentence"),
    [
        (
            "bipoc_concordance",
            {},
            {"bipoc_mentor_preference": "preferred"},
            2.0,
            "Both identify as BIPOC — the student asked for a BIPOC mentor",
        ),
        (
            "bipoc_concordance",
            {},
            {"bipoc_mentor_preference": "required", "identifies_bipoc": "undisclosed"},
            2.0,
            "The mentor identifies as BIPOC — the student requires a BIPOC mentor",
        ),
        (
            "shared_specialty",
            {"specialty": "Pediatrics"},
            {"specialty_interests": "Family Medicine; Pediatrics"},
            2.0,
            "Shared interest: pediatrics",
        ),
        (
            "shared_language",
            {"languages": "English; Somali; Arabic"},
            {"languages": "Somali; English"},
            2.0,
            "Both speak Somali",
        ),
        (
            "mentor_gender",
            {"gender": "Female"},
            {"mentor_gender_preference": "woman"},
            2.0,
            "The student asked for a mentor who is a woman",
        ),
        (
            "shared_background",
            {"race_ethnicity": "Hmong"},
            {"race_ethnicity": "Hmong"},
            2.0,
            "Both identify as Hmong",
        ),
        (
            "advising_areas",
            {"advising_areas": "application; interviews; career"},
            {},
            2.0,
            "Advises on the application, interviews and career goals",
        ),
        ("advising_areas", {"advising_areas": "interviews"}, {}, 0.667, "Advises on interviews"),
        ("waiting_time", {}, {"registered_on": date(2025, 9, 2)}, 2.0, "Waiting since 2025-09-02"),
        ("waiting_time", {}, {"registered_on": date(2026, 5, 29)}, 0.986, "Waiting since 2026-05-29"),
    ],
)
def test_each_component_scores_its_weight_with_its_sentence(
    weight, mentor_fields, mentee_fields, points, sentence
):
    one_pair = cohort([mentor(1, **mentor_fields)], [mentee(1, **mentee_fields)])
    (suggestion,) = matching.suggest(one_pair, weights_only(**{weight: 2.0})).pairs
    assert (suggestion.score, suggestion.sentences) == (points, [sentence])
    assert suggestion.reasons[0].component == weight
    assessment = matching.assess_pair(one_pair, 1, 1, weights_only(**{weight: 2.0}))
    assert (assessment.score, [r.text for r in assessment.reasons]) == (points, [sentence])


def test_components_are_absent_when_they_do_not_apply():
    plain = cohort(
        [mentor(1, identifies_bipoc="no", specialty="Radiology", gender="man", race_ethnicity="White")],
        [
            mentee(
                1,
                bipoc_mentor_preference="preferred",
                specialty_interests="Pediatrics",
                mentor_gender_preference="woman",
                languages="English; Hmong",
                race_ethnicity="Hmong",
            )
        ],
    )
    (suggestion,) = matching.suggest(plain, replace(MatchWeights(), waiting_time=0)).pairs
    assert (suggestion.score, suggestion.sentences) == (0.0, [])
    assert matching.assess_pair(plain, 1, 1, MatchWeights()).warnings == (
        "The mentee would prefer a BIPOC mentor, and this mentor does not identify as BIPOC.",
        "The mentee asked for a mentor who is a woman.",
        "The mentor's specialty is not one of the mentee's interests.",
        "They share no language besides English.",
    )


def test_the_default_score_adds_up_every_component():
    rich = cohort(
        [
            mentor(
                1,
                languages="English; Spanish",
                specialty="Pediatrics",
                advising_areas="application; interviews; career",
                race_ethnicity="Latino/a (Ecuadorian, Salvadoran)",
            )
        ],
        [
            mentee(
                1,
                bipoc_mentor_preference="preferred",
                specialty_interests="Pediatrics",
                mentor_gender_preference="woman",
                languages="Spanish",
                race_ethnicity="Latino/a (Ecuadorian, Salvadoran)",
                registered_on=date(2024, 1, 8),
            )
        ],
    )
    (suggestion,) = matching.suggest(rich, MatchWeights()).pairs
    assert suggestion.score == 8 + 2 + 1.5 + 1.5 + 1 + 0.5 + 1
    assert suggestion.sentences == [
        "Both identify as BIPOC — the student asked for a BIPOC mentor",
        "Shared interest: pediatrics",
        "Both speak Spanish",
        "The student asked for a mentor who is a woman",
        "Both identify as Latino/a (Ecuadorian, Salvadoran)",
        "Advises on the application, interviews and career goals",
        "Waiting since 2024-01-08",
    ]


@pytest.mark.parametrize(
    ("mentor_says", "mentee_says", "sentences"),
    [
        ("Asian (Hmong, Lao); Black", "Black", ["Both identify as Black"]),
        ("Hmong", "Asian (Hmong, Lao)", []),
        ("Black, African American", "African American", []),
        (
            "Black, African American",
            "black,  African-American",
            ["Both identify as black,  African-American"],
        ),
    ],
)
def test_shared_background_compares_the_identities_each_person_separated(mentor_says, mentee_says, sentences):
    one_pair = cohort([mentor(1, race_ethnicity=mentor_says)], [mentee(1, race_ethnicity=mentee_says)])
    (suggestion,) = matching.suggest(one_pair, weights_only(shared_background=1)).pairs
    assert (suggestion.score, suggestion.sentences) == (float(len(sentences)), sentences)


def test_multi_choice_cells_are_split_as_intake_splits_them():
    one_pair = cohort(
        [mentor(1, languages="English, Spanish (Mexican, Caribbean)", meeting_formats="phone, virtual")],
        [mentee(1, languages="Spanish (Mexican, Caribbean)", meeting_formats="virtual")],
    )
    (suggestion,) = matching.suggest(one_pair, weights_only(shared_language=1)).pairs
    assert suggestion.sentences == ["Both speak Spanish (Mexican, Caribbean)"]


def test_the_committee_reads_no_reason_that_reveals_race_ethnicity_gender_or_language():
    sentences = [
        "Both identify as BIPOC — the student asked for a BIPOC mentor",
        "The mentor identifies as BIPOC — the student requires a BIPOC mentor",
        "Shared interest: pediatrics",
        "Both speak Somali",
        "The student asked for a mentor who is a woman",
        "Both identify as Somali",
        "Advises on interviews",
        "Waiting since 2025-09-02",
        "Imported from the 2023 spreadsheet",
    ]
    assert reasons_for_role(sentences, "committee") == [
        "Shared interest: pediatrics",
        "Advises on interviews",
        "Waiting since 2025-09-02",
    ]
    assert reasons_for_role(sentences, "leader") == sentences
    reasons = [matching.Reason("shared_background", "Both identify as Hmong")]
    assert reasons_for_role(reasons, "committee") == []


def test_the_committee_reads_no_score_and_no_list_in_score_order():
    data = cohort(
        [mentor(1), mentor(2, identifies_bipoc="no")],
        [mentee(1), mentee(2, bipoc_mentor_preference="preferred")],
    )
    result = matching.suggest(data, weights_only(bipoc_concordance=8))
    leader = privacy.suggested_pairs(matching.pairs_frame(data, result), "leader")
    assert leader[["mentor_id", "mentee_id", "score"]].to_dict("records") == [
        {"mentor_id": 1, "mentee_id": 2, "score": 8.0},
        {"mentor_id": 2, "mentee_id": 1, "score": 0.0},
    ]
    committee = privacy.suggested_pairs(matching.pairs_frame(data, result), "committee")
    assert "score" not in committee
    assert committee[["mentor_id", "mentee_id", "reasons"]].to_dict("records") == [
        {"mentor_id": 2, "mentee_id": 1, "reasons": []},
        {"mentor_id": 1, "mentee_id": 2, "reasons": []},
    ]
    confirmed = pd.DataFrame(
        {
            "match_id": [7],
            "score": [9.0],
            "reasons": [
                ["Both identify as BIPOC — the student asked for a BIPOC mentor", "Advises on interviews"]
            ],
        }
    )
    assert privacy.pairs_for_role(confirmed, "committee").to_dict("records") == [
        {"match_id": 7, "reasons": ["Advises on interviews"]}
    ]
    assert privacy.pairs_for_role(confirmed, "leader")["score"].to_list() == [9.0]


# The optimum
def random_cohort(rng: random.Random, n_mentees: int, n_mentors: int) -> Cohort:
    formats = ["virtual", "phone", "in person", "virtual; phone"]
    specialties = ["Pediatrics", "Family Medicine", "Psychiatry"]
    mentors = [
        mentor(
            j + 1,
            capacity=rng.choice([1, 1, 2, 3]),
            identifies_bipoc=rng.choice(["yes", "no"]),
            gender=rng.choice(["woman", "man"]),
            languages=rng.choice(["English", "English; Somali", "Hmong"]),
            meeting_formats=rng.choice(formats),
            specialty=rng.choice(specialties),
            advising_areas=rng.choice(["", "career", "application; interviews; career"]),
        )
        for j in range(n_mentors)
    ]
    mentees = [
        mentee(
            i + 1,
            bipoc_mentor_preference=rng.choice(["none", "preferred", "required"]),
            mentor_gender_preference=rng.choice(["", "", "woman"]),
            languages=rng.choice(["English", "Somali", "Hmong; English"]),
            meeting_formats=rng.choice(formats),
            specialty_interests=rng.choice(specialties),
            registered_on=date(2026, 1, 1) + timedelta(days=rng.randrange(300)),
        )
        for i in range(n_mentees)
    ]
    excluded = [(rng.randrange(n_mentors) + 1, rng.randrange(n_mentees) + 1, "rejected") for _ in range(2)]
    return cohort(mentors, mentees, excluded)


def brute_force(scores: np.ndarray, places: np.ndarray) -> tuple[int, float]:
    """(most mentees placed, then highest total score) over every possible assignment."""
    options = [
        [None] + [j for j in range(scores.shape[1]) if not np.isnan(scores[i, j])] for i in range(len(scores))
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        used = [j for j in choice if j is not None]
        if any(used.count(j) > places[j] for j in set(used)):
            continue
        total = round(sum(scores[i, j] for i, j in enumerate(choice) if j is not None), 3)
        best = max(best, (len(used), total))
    return best


@pytest.mark.parametrize("seed", range(25))
def test_the_assignment_is_optimal_against_brute_force(seed):
    rng = random.Random(seed)
    small = random_cohort(rng, n_mentees=rng.randint(3, 7), n_mentors=rng.randint(1, 4))
    scores, _, _, places = matching.score_matrix(small, MatchWeights())
    result = matching.suggest(small, MatchWeights(), shortlist=1)
    assert (len(result.pairs), result.total_points) == brute_force(scores, places)
    assert result.report.proven_optimal


@pytest.mark.parametrize("seed", range(6))
def test_the_assignment_is_optimal_against_the_exact_dense_solver_when_the_shortlist_is_too_short(seed):
    rng = random.Random(100 + seed)
    medium = random_cohort(rng, n_mentees=60, n_mentors=25)
    scores, _, _, places = matching.score_matrix(medium, MatchWeights())
    result = matching.suggest(medium, MatchWeights(), shortlist=1)
    assert (len(result.pairs), result.total_points) == assignment.dense_optimum(scores, places)[:2]
    assert result.report.proven_optimal


@pytest.mark.parametrize("seed", range(12))
def test_suggest_places_as_many_and_scores_as_much_as_the_tight_dense_optimum(seed):
    rng = random.Random(500 + seed)
    data = random_cohort(rng, n_mentees=rng.randint(5, 120), n_mentors=rng.randint(2, 50))
    scores, _, _, places = matching.score_matrix(data, MatchWeights())
    result = matching.suggest(data, MatchWeights())
    assert (len(result.pairs), result.total_points) == assignment.dense_optimum(scores, places)[:2]
    assert result.report.proven_optimal


@pytest.mark.parametrize("seed", range(8))
def test_the_quick_forms_of_the_scores_agree_with_every_mentees_own_row(seed):
    """The optimality check finds each mentee's best pair per profile, not per mentee, and the shortlist
    scores single pairs and counts allowed pairs per profile: each must agree with every mentee's own row,
    exclusions and disallowed pairs included, whatever the prices."""
    rng = random.Random(900 + seed)
    data = random_cohort(rng, n_mentees=rng.randint(5, 150), n_mentors=rng.randint(2, 60))
    pool = data.mentors[matching.available_mentors(data.mentors)]
    mentees = data.mentees[matching.waiting_mentees(data.mentees)]
    enc = matching._encode(pool, mentees, data.excluded, MatchWeights(), data.today)
    n, m = enc.shape
    price = np.random.default_rng(seed).integers(0, 12_000, m).astype(np.float32)
    block = enc.score_rows(np.arange(n), waiting=False)
    per_mentee = np.where(block >= 0, block - price, -np.inf).max(axis=1)
    assert np.array_equal(enc.best_reduced(price), per_mentee)
    # and the shortlist's quick forms: single pairs, and the count of allowed pairs
    rows, cols = np.divmod(np.arange(n * m), m)
    assert np.array_equal(enc.pair_scores(rows, cols), block.reshape(-1))
    assert enc.allowed_pairs() == np.count_nonzero(block >= 0)
    groups = enc.column_groups()  # mentors in one group score alike with every mentee
    assert all((block[:, groups == g] == block[:, groups == g][:, :1]).all() for g in set(groups.tolist()))
    assert np.array_equal(enc.score_cols(np.arange(m)[::-1], waiting=False), block[:, ::-1].T)


def test_prices_near_the_placement_bonus_are_compared_exactly_at_program_scale():
    # Enough places that the bonus for placing one more mentee exceeds 2**22 milli-points: the price check
    # then runs on shifted float32 values, which must give the same verdicts as whole numbers.
    large = random_cohort(random.Random(42), n_mentees=700, n_mentors=300)
    scores, _, _, places = matching.score_matrix(large, MatchWeights())
    result = matching.suggest(large, MatchWeights(), shortlist=2)
    assert (min(len(scores), places.sum()) + 1) * 1000 * np.nanmax(scores) > 2**22
    assert (len(result.pairs), result.total_points) == assignment.dense_optimum(scores, places)[:2]
    assert result.report.proven_optimal and result.report.solves > 1


def test_greedy_strands_a_mentee_the_optimum_places():
    # Dr. 1 is the better match for both students; only student 2 can meet Dr. 1's way.
    strands = cohort(
        [
            mentor(1, meeting_formats="virtual; phone", specialty="Pediatrics"),
            mentor(2, meeting_formats="virtual", specialty="Psychiatry"),
        ],
        [
            mentee(1, meeting_formats="virtual; phone", specialty_interests="Pediatrics"),
            mentee(2, meeting_formats="phone", specialty_interests="Psychiatry"),
        ],
    )
    scores, mentee_ids, mentor_ids, places = matching.score_matrix(strands, MatchWeights())
    greedy, placed, taken = [], set(), set()
    for flat in np.argsort(-np.nan_to_num(scores, nan=-1), axis=None, kind="stable"):
        i, j = np.unravel_index(flat, scores.shape)
        if not np.isnan(scores[i, j]) and i not in placed and j not in taken:
            greedy.append((int(mentor_ids[j]), int(mentee_ids[i])))
            placed.add(i)
            taken.add(j)
    assert greedy == [(1, 1)]  # student 2 stranded
    result = matching.suggest(strands, MatchWeights())
    assert pairs(result) == [(1, 2), (2, 1)]
    assert result.unmatched == ()


def test_the_same_data_and_weights_give_the_same_suggestions():
    rng = random.Random(7)
    data = random_cohort(rng, n_mentees=80, n_mentors=30)
    first = matching.suggest(data, MatchWeights(), shortlist=2)
    assert matching.suggest(data, MatchWeights(), shortlist=2) == first
    shuffled = replace(data, mentees=data.mentees.sample(frac=1, random_state=3))
    assert matching.suggest(shuffled, MatchWeights(), shortlist=2).total_points == first.total_points


def test_waiting_longer_wins_a_contested_place():
    contested = cohort(
        [mentor(1)],
        [mentee(1, registered_on=date(2026, 10, 1)), mentee(2, registered_on=date(2025, 10, 1))],
    )
    result = matching.suggest(contested, MatchWeights())
    assert pairs(result) == [(1, 2)]
    assert [u.mentee_id for u in result.unmatched] == [1]


# Unmatched mentees and the recruitment gap
def test_each_unmatched_mentee_gets_the_most_basic_reason():
    data = cohort(
        [
            mentor(1, identifies_bipoc="no", meeting_formats="virtual; phone", capacity=2),
            mentor(2, meeting_formats="phone", open_matches=1),
            mentor(3, meeting_formats="virtual"),
        ],
        [
            mentee(1, meeting_formats="in person"),
            mentee(
                2,
                meeting_formats="virtual",
                bipoc_mentor_preference="required",
                registered_on=date(2025, 6, 1),
            ),
            mentee(3, meeting_formats="phone", bipoc_mentor_preference="required"),
            mentee(4, meeting_formats="phone; virtual", registered_on=date(2026, 11, 1)),
            mentee(5, meeting_formats="virtual", registered_on=date(2025, 1, 1)),
            mentee(6, meeting_formats="virtual", registered_on=date(2025, 1, 1)),
            mentee(7, meeting_formats="phone", registered_on=date(2026, 11, 2)),
        ],
        excluded=[(1, 7, "rejected")],
    )
    result = matching.suggest(data, weights_only(waiting_time=1))
    assert pairs(result) == [(1, 5), (1, 6), (3, 2)]
    assert [(u.mentee_id, u.code, u.reason) for u in result.unmatched] == [
        (1, "format", "No active mentor meets in person, the way this student can meet."),
        (
            3,
            "bipoc_capacity",
            "Every active BIPOC mentor who meets phone is at capacity.",
        ),
        (
            4,
            "needed_elsewhere",
            "The 2 mentors with a place who could take this student are needed for other students in the "
            "best pairing.",
        ),
        (
            7,
            "excluded",
            "Every mentor with a place who meets phone was rejected for this student or paired with them "
            "before.",
        ),
    ]
    assert privacy.unmatched(matching.unmatched_frame(data, result), "committee")["reason"].to_list() == [
        "No mentor with a place left fits this student's meeting formats and requests.",
        "No mentor with a place left fits this student's meeting formats and requests.",
        "Every mentor with a place who could take this student is needed for other students in the best "
        "pairing.",
        "Every mentor with a place who fits was rejected for this student or paired with them before.",
    ]


@pytest.mark.parametrize(
    ("mentees", "leader_reason"),
    [
        (
            [mentee(1, registered_on=date(2025, 1, 1)), mentee(2, registered_on=date(2025, 6, 1)), mentee(3)],
            "The 2 mentors with a place who could take this student are needed for other students in the "
            "best pairing.",
        ),
        (
            [
                mentee(1, registered_on=date(2025, 1, 1), bipoc_mentor_preference="required"),
                mentee(2, registered_on=date(2025, 6, 1)),
                mentee(3, bipoc_mentor_preference="required"),
            ],
            "The 1 BIPOC mentor with a place who could take this student is needed for other students in the "
            "best pairing.",
        ),
    ],
    ids=["no requirement", "requires a BIPOC mentor"],
)
def test_the_committee_reads_the_same_words_whether_or_not_a_student_requires_a_bipoc_mentor(
    mentees, leader_reason
):
    data = cohort([mentor(1), mentor(2, identifies_bipoc="no")], mentees)
    (unplaced,) = matching.suggest(data, weights_only(waiting_time=1)).unmatched
    assert (unplaced.mentee_id, unplaced.reason) == (3, leader_reason)
    assert unplaced.public_reason == (
        "Every mentor with a place who could take this student is needed for other students in the best "
        "pairing."
    )


def test_the_gap_counts_places_needed_and_of_which_kind():
    data = cohort(
        [mentor(1, identifies_bipoc="no", meeting_formats="virtual; phone", capacity=2)],
        [
            mentee(
                1, bipoc_mentor_preference="preferred", languages="Somali", registered_on=date(2025, 1, 1)
            ),
            mentee(2, meeting_formats="in person", languages="Somali; Arabic"),
            mentee(3, bipoc_mentor_preference="required", meeting_formats="phone"),
            mentee(4, meeting_formats="virtual; phone"),
        ],
    )
    result = matching.suggest(data, MatchWeights())
    assert pairs(result) == [(1, 1), (1, 4)]
    assert result.gap.to_dict() == {
        "unmatched": 2,
        "bipoc_requests_unmet": 2,
        "places_needed": 3,
        "bipoc_places_needed": 2,
        "by_format": {"in person": 1, "phone": 1, "virtual": 1},
        "only_format": {"in person": 1, "phone": 1, "virtual": 1},
        "by_language": {"Somali": 2, "Arabic": 1},
    }
    assert result.gap.sentences()[:2] == [
        "3 more mentor places would match every waiting student and give every student who asked for a "
        "BIPOC mentor one: 2 for unmatched students, 1 for students who asked for a BIPOC mentor and are "
        "suggested someone else.",
        "2 of these places need a BIPOC-identifying mentor.",
    ]


def test_the_committee_reads_the_places_needed_and_not_of_which_kind():
    data = cohort(
        [mentor(1, identifies_bipoc="no")],
        [mentee(1), mentee(2, bipoc_mentor_preference="required", languages="Somali")],
    )
    gap = matching.suggest(data, MatchWeights()).gap
    leader = privacy.gap_for_role(gap, "leader")
    assert leader.figures == {
        "More mentor places needed": 1,
        "Of them BIPOC-identifying": 1,
        "Unmatched students": 1,
    }
    assert (leader.sentences, leader.table.to_dict("records")) == (
        gap.sentences(),
        gap.table().to_dict("records"),
    )
    assert "Languages: a mentor who speaks Somali (1) would share a language with them." in leader.sentences
    committee = privacy.gap_for_role(gap, "committee")
    assert committee.figures == {"More mentor places needed": 1}
    assert committee.sentences == ["1 more mentor place would match every waiting student.", LEADERS_GAP]
    assert committee.table.empty
    none_needed = privacy.gap_for_role(
        matching.suggest(cohort([mentor(1)], [mentee(1)]), MatchWeights()).gap, "committee"
    )
    assert (none_needed.figures, none_needed.sentences) == (
        {"More mentor places needed": 0},
        ["Every waiting student is matched.", LEADERS_GAP],
    )


LEADERS_GAP = (
    "How many more places would give every student who asked for a BIPOC mentor one, and which kinds of "
    "mentor (BIPOC-identifying, a meeting format, a language) would close the gap, is for the leader: with "
    "few students waiting, it would point at the students themselves."
)


def test_the_committees_gap_does_not_move_with_a_named_students_bipoc_request():
    """Issue 24, item 5: the one waiting student is suggested the one mentor, who does not identify as
    BIPOC. Whether she asked for a BIPOC mentor (preferred) changed the committee's places needed 0 -> 1."""
    seen = {}
    for preference in ("none", "preferred"):
        data = cohort([mentor(1, identifies_bipoc="no")], [mentee(1, bipoc_mentor_preference=preference)])
        gap = matching.suggest(data, MatchWeights()).gap
        committee = privacy.gap_for_role(gap, "committee")
        seen[preference] = (committee.figures, committee.sentences, committee.table.empty)
        leader = privacy.gap_for_role(gap, "leader").figures["More mentor places needed"]
        assert leader == (preference == "preferred")  # the leader's gap counts her request
    assert seen["none"] == seen["preferred"]


def test_nobody_waiting_or_no_mentor_gives_empty_suggestions():
    nobody = matching.suggest(cohort([mentor(1)], []), MatchWeights())
    assert (nobody.pairs, nobody.unmatched, nobody.gap.places_needed) == ((), (), 0)
    no_mentor = matching.suggest(cohort([mentor(1, status="withdrawn")], [mentee(1)]), MatchWeights())
    assert [(u.mentee_id, u.code) for u in no_mentor.unmatched] == [(1, "format")]


# Reading the store, and the weights in settings
def test_the_loader_reads_rules_and_history_from_the_store(engine):
    with db.write_session(engine) as session:
        people = [
            make_mentor("kou", capacity=2),
            make_mentor("lee", capacity=1),
            make_mentee("pa"),
            make_mentee("mai"),
            make_mentee("nou", registered_on=date(2022, 5, 1)),
            make_mentee("yer", status="withdrawn"),
        ]
        session.add_all(people)
        session.flush()
        kou, lee, pa, mai, nou, _ = (p.id for p in people)
        session.add_all(
            [
                make_match(kou, pa),
                make_match(
                    lee,
                    mai,
                    confirmed_on=date(2024, 1, 5),
                    status=MatchStatus.ended,
                    ended_on=date(2024, 6, 1),
                ),
                Exclusion(mentor_id=kou, mentee_id=nou),
            ]
        )
    with db.read_session(engine) as session:
        loaded = queries.pairing_cohort(session, TODAY)
        suggestions = queries.pairing_suggestions(session, TODAY)
        assert settings.match_weights(session) == MatchWeights()

    assert loaded.mentors[["mentor_id", "capacity", "open_matches", "status", "attests_values"]].to_dict(
        "records"
    ) == [
        {"mentor_id": kou, "capacity": 2, "open_matches": 1, "status": "active", "attests_values": True},
        {"mentor_id": lee, "capacity": 1, "open_matches": 0, "status": "active", "attests_values": True},
    ]
    assert loaded.mentees[["mentee_id", "has_open_match", "registered_on"]].to_dict("records") == [
        {"mentee_id": nou, "has_open_match": False, "registered_on": date(2022, 5, 1)},
        {"mentee_id": pa, "has_open_match": True, "registered_on": date(2023, 1, 1)},
        {"mentee_id": mai, "has_open_match": False, "registered_on": date(2023, 1, 1)},
    ]
    assert sorted(map(tuple, loaded.excluded.to_numpy().tolist())) == [
        (kou, nou, "rejected"),
        (lee, mai, "paired before"),
    ]
    # nou may not have kou (rejected), mai may not have lee (paired before): the optimum crosses them
    assert pairs(suggestions) == [(kou, mai), (lee, nou)]


def test_weights_are_kept_in_settings_and_reset_to_the_defaults(engine):
    with db.write_session(engine) as session:
        settings.save_setting(session, "weights", replace(MatchWeights(), bipoc_concordance=9.5))
    with db.read_session(engine) as session:
        assert settings.match_weights(session).bipoc_concordance == 9.5
    with db.write_session(engine) as session:
        settings.reset_setting(session, "weights")
    with db.read_session(engine) as session:
        assert settings.match_weights(session) == MatchWeights()
