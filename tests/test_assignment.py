"""The assignment solver on its own: arrays in, the optimum and the prices that prove it out."""

import numpy as np
import pytest

from mentorship import assignment


def scores_of(matrix: np.ndarray, bonus: np.ndarray) -> assignment.Scores:
    table = matrix.astype(np.float32)
    return assignment.Scores(
        shape=table.shape,
        rows=lambda rows: table[rows],
        cols=lambda cols: np.ascontiguousarray(table[:, cols].T),
        bonus=bonus.astype(np.float32),
    )


def random_problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, m = int(rng.integers(1, 60)), int(rng.integers(1, 25))
    matrix = rng.choice([0, 500, 1500, 2000, 8000, 9500], (n, m)).astype(np.float64)  # many ties
    matrix[rng.random((n, m)) < rng.uniform(0, 0.8)] = -1  # not allowed
    return matrix, rng.integers(0, 1001, n).astype(np.float64), rng.integers(0, 4, m)


@pytest.mark.parametrize("seed", range(40))
def test_the_assignment_equals_the_dense_optimum_and_its_prices_prove_it(seed):
    matrix, bonus, capacity = random_problem(np.random.default_rng(seed))
    found = assignment.assign(scores_of(matrix, bonus), capacity, shortlist=1)

    full = np.where(matrix >= 0, matrix + bonus[:, None], np.nan)
    placed, total, _ = assignment.dense_optimum(full, capacity, decimals=0)
    assert (len(found.rows), float(found.points.sum())) == (placed, total)
    assert found.proven
    assert (np.bincount(found.cols, minlength=len(capacity)) <= capacity).all()
    assert len(set(found.rows.tolist())) == len(found.rows)
    assert (matrix[found.rows, found.cols] >= 0).all()

    if found.certificate is None:
        assert placed == 0
        return
    # the certificate, checked in whole numbers on every pair
    v, tau = found.certificate.column_prices, found.certificate.row_values
    allowed = matrix >= 0
    whole = (matrix + bonus[:, None]).astype(np.int64)
    assert (whole[allowed] <= (tau[:, None] + v[None, :])[allowed]).all()
    assert (whole[found.rows, found.cols] == tau[found.rows] + v[found.cols]).all()
    assert (v >= 0).all() and (tau >= -found.certificate.big).all()
    left = capacity - np.bincount(found.cols, minlength=len(capacity)) > 0
    assert (v[left] == 0).all()
    unplaced = np.setdiff1d(np.arange(len(matrix)), found.rows)
    assert (tau[unplaced] == -found.certificate.big).all()


def test_the_tight_form_places_the_most_rows_before_scoring_the_most():
    # Row 0 alone scores 10 with column 0; rows 1 and 2 together score 2 but place two.
    scores = np.array([[10.0, np.nan], [1.0, np.nan], [np.nan, 1.0]])
    scores[0, 1] = np.nan
    placed, total, chosen = assignment.dense_optimum(scores, np.array([1, 1]), decimals=0)
    assert (placed, total) == (2, 11.0)
    assert chosen.tolist() == [0, -1, 1]


@pytest.mark.parametrize("seed", range(20))
def test_each_rows_k_best_are_its_best_jittered_scores(seed):
    # Wide, heavily tied rows take the bounded path; every cell at or above a row's k-th best jittered
    # score is picked, allowed cells only, and the whole-number scores come back.
    rng = np.random.default_rng(seed)
    rows, width, k = int(rng.integers(1, 40)), int(rng.integers(100, 5000)), int(rng.integers(1, 20))
    block = rng.choice([-1e9, -1, 0, 3, 7, 7, 12], (rows, width)).astype(np.float32)
    block[rng.random(rows) < 0.2] = -1  # some rows allow nothing
    jitter = assignment._jitter(0)

    r, c, v = assignment._top_k(block.copy(), k, jitter)

    jittered = np.maximum(block, -1) + jitter[: block.size].reshape(block.shape)
    kth = -np.sort(-jittered, axis=1)[:, k - 1]
    want_r, want_c = np.nonzero(jittered >= np.maximum(kth, 0)[:, None])
    assert (r.tolist(), c.tolist()) == (want_r.tolist(), want_c.tolist())
    assert (v == block[r, c]).all()


def test_a_huge_score_in_one_row_leaves_the_other_rows_picks_exact():
    # A row left out of the assignment can carry a price marker near 2**23 into the checks; the other rows
    # of its block still get exactly their k best, ties between close jittered scores included.
    block = np.ones((200, 10_000), np.float32)
    block[0, 0] = 2**23
    jitter = assignment._jitter(0)

    r, c, _ = assignment._top_k(block.copy(), 48, jitter)

    jittered = block + jitter[: block.size].reshape(block.shape)
    kth = -np.sort(-jittered, axis=1)[:, 47]
    want_r, want_c = np.nonzero(jittered >= kth[:, None])
    assert (r.tolist(), c.tolist()) == (want_r.tolist(), want_c.tolist())


def test_rows_that_cannot_all_be_placed_still_place_the_most_and_best():
    # Three rows want column 0 (one place); column 1 (one place) allows only row 2.
    matrix = np.array([[5.0, -1], [9.0, -1], [4.0, 1.0]])
    found = assignment.assign(scores_of(matrix, np.zeros(3)), np.array([1, 1]), shortlist=1)
    assert sorted(zip(found.rows.tolist(), found.cols.tolist(), strict=True)) == [(1, 0), (2, 1)]
    assert found.proven

    # Two places but no row allowed in the second: one row placed, the best.
    matrix = np.array([[5.0, -1], [9.0, -1], [4.0, -1]])
    found = assignment.assign(scores_of(matrix, np.zeros(3)), np.array([1, 1]), shortlist=1)
    assert (found.rows.tolist(), found.cols.tolist()) == ([1], [0])
