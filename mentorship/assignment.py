"""The optimal many-to-one assignment and its certificate: arrays in, arrays out.

Rows (n) are assigned to columns (m), a column taking at most its capacity of rows. A pair is worth
its whole-number score; a negative score means the pair is not allowed. The assignment first places
as many rows as it can, and among those assignments has the largest total score.

`assign` solves a sparse assignment (SciPy's LAPJVsp, each column expanded to one per place) on a
shortlist (each row's best and some random columns, each column's best rows), derives dual prices for
that solution, and checks every allowed pair against them. Pairs that could improve the solution join
the shortlist and it is solved again; when no pair can, the prices certify that the assignment is
optimal over all allowed pairs, not just the shortlist (linear-programming duality: the b-matching
polytope is integral). The scores come in blocks of rows (or columns), so the whole matrix never has
to be in memory at once.

`dense_optimum` is the reference: the exact dense solve of the same problem, for tests and benchmarks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, partial

import numpy as np

# The first shortlist. Fewer pairs make each solve faster, too few make more solves: measured at
# 5,000 rows x 1,554 columns (benchmarks/pairing.py), these give three solves on about 90,000 pairs.
SHORTLIST = 4  # best columns per row, among SAMPLE random ones
SAMPLE = 160
RANDOM_ARCS = 4  # random allowed columns per row
COLUMN_LIST = 16  # best rows per column, over all rows
ADD_PER_ROW = 48  # improving pairs added per row after each solve
MAX_ROUNDS = 30  # checks of every allowed pair against the prices
# Bellman-Ford sweeps allowed when re-pricing an unchanged assignment: optimal ones settled in 5 to 15
# (5,000 and 20,000 waiting); one still rising after these is solved again (never wrong, only slower).
_QUICK_SWEEPS = 30
_EXACT = 2**21  # float32 holds every whole number up to 2**24: prices are checked in that range
CHUNKS_PER_PICK = 16  # see _top_k
BLOCK_CELLS = 2_000_000  # pairs scored at a time, per thread: bounds memory whatever the problem's size
_THREADS = min(2, os.cpu_count() or 1)

Block = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Scores:
    """Every pair's score, in blocks: `rows(i)` is rows i (ascending) with every column, `cols(j)`
    columns j with every row (float32 whole numbers, negative = not allowed; fresh arrays the caller
    may change). A pair's score is its block value plus its row's `bonus` (a per-row constant
    such as time waiting, left out when ranking a row's columns)."""

    shape: tuple[int, int]
    rows: Block
    cols: Block
    bonus: np.ndarray
    # Optional quicker ways, for a caller that knows them, than scoring every row's block:
    # `pairs(i, j)` the block values of the pairs (i, j) (arrays of the same shape, or broadcast);
    # `allowed` how many pairs are allowed; `best_reduced(price)` per row, the most by which an allowed
    # column's block value exceeds the column's price (-inf when none is allowed); `column_groups` a
    # code per column, columns with the same code having the same block values in every row.
    pairs: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    allowed: int | None = None
    best_reduced: Callable[[np.ndarray], np.ndarray] | None = None
    column_groups: np.ndarray | None = None


@dataclass(frozen=True)
class Certificate:
    """Dual prices proving the assignment optimal: with each placed pair worth `big` + its score, no
    allowed pair (i, j) scores above row_values[i] + column_prices[j], placed pairs score exactly that,
    columns with a place left have price 0 and rows left out have value -big (0 before the shift)."""

    column_prices: np.ndarray
    row_values: np.ndarray
    big: int


@dataclass(frozen=True)
class Assignment:
    rows: np.ndarray  # the placed pairs: row, column and score (with the bonus)
    cols: np.ndarray
    points: np.ndarray
    allowed_pairs: int
    shortlisted_pairs: int
    solves: int
    certificate: Certificate | None  # None when nothing could be placed
    proven: bool


def assign(scores: Scores, capacity: np.ndarray, *, shortlist: int = SHORTLIST) -> Assignment:
    """The optimal assignment, proven over every allowed pair (see the module's docstring)."""
    n, m = scores.shape
    capacity = np.asarray(capacity, np.int64)
    empty = np.zeros(0, np.int64)
    if n == 0 or m == 0:
        return Assignment(empty, empty, np.zeros(0), 0, 0, 0, None, True)
    rows, cols, points, allowed = _shortlist(scores, shortlist)
    if not len(rows):
        return Assignment(empty, empty, np.zeros(0), allowed, 0, 0, None, True)
    top = int(points.max())  # every row's best pair is on the shortlist: the best of all
    big = (min(n, int(capacity.sum())) + 1) * (top + 1) + 1
    solves, proven = 1, False
    used = _solve(n, capacity, rows, cols, points, big)
    prices = _prices(n, capacity, rows, cols, points, used, big, sweeps=m + 1)
    for _ in range(MAX_ROUNDS):
        if prices is None:
            raise RuntimeError(
                "The assignment's dual prices are inconsistent: the solver's answer is not optimal."
            )
        extra = _violations(scores, *prices, ADD_PER_ROW, big, top)
        if not extra[0]:
            proven = True
            break
        chosen = rows[used] * m + cols[used]
        rows, cols, points = _merge([rows, *extra[0]], [cols, *extra[1]], [points, *extra[2]], m)
        used = np.isin(rows * m + cols, chosen)
        # The same assignment may still be optimal with the new pairs (ties): try its prices first.
        prices = _prices(n, capacity, rows, cols, points, used, big, sweeps=_QUICK_SWEEPS)
        if prices is None:
            solves += 1
            used = _solve(n, capacity, rows, cols, points, big)
            prices = _prices(n, capacity, rows, cols, points, used, big, sweeps=m + 1)
    certificate = Certificate(*prices, big) if prices is not None else None
    return Assignment(rows[used], cols[used], points[used], allowed, len(rows), solves, certificate, proven)


# The shortlist
def _top_k(block: np.ndarray, k: int, jitter: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a block of whole-number scores: the k best allowed columns (row, column, score).

    Many scores tie; `jitter` (values in [0, 0.5)) breaks ties differently on each row, so that rows
    with the same scores do not all shortlist the same few columns: a cell's jittered score is its score
    plus the jitter at its place in the block. The scores returned are the whole numbers again. `block`
    may be changed.

    On wide rows, a bound first: each row's k-th best score is at least the k-th best of the bests of
    CHUNKS_PER_PICK x k groups of its cells, so only the cells that reach that bound are jittered and
    ranked (the same answer: the bound only drops cells that cannot be among the k). A mentor's best
    rows at 20,000 rows, and the improving pairs, took two fifths of the time of jittering and
    partitioning every cell.
    """
    rows, width = block.shape
    if k >= width or not rows:
        r, c = np.nonzero(block >= 0)
        return r, c, block[r, c]
    chunks = CHUNKS_PER_PICK * k
    if width < 4 * chunks:  # narrow: jitter and partition every cell
        np.maximum(block, -1, out=block)  # all disallowed alike, then jittered like the rest
        block += jitter[: block.size].reshape(block.shape)
        kth = np.partition(block, width - k, axis=1)[:, width - k]
        r, c = np.nonzero(block >= np.maximum(kth, 0)[:, None])
        return r, c, np.floor(block[r, c])
    # the bests of the cells j, j + chunks, j + 2 chunks, ... (one quick pass); jittered, so that
    # partitioning them is quick too, and floored again: still at most each row's k-th best score
    bests = block[:, : chunks * (width // chunks)].reshape(rows, -1, chunks).max(axis=1)
    bests += jitter[: bests.size].reshape(bests.shape)
    bound = np.floor(np.partition(bests, chunks - k, axis=1)[:, chunks - k])
    r, c = np.nonzero(block >= np.maximum(bound, 0)[:, None])  # comes sorted by row
    value = block[r, c] + jitter[r * width + c]
    # each row's k-th best jittered score: rows with fewer than k allowed columns keep them all
    by_row = np.lexsort((-value, r))  # by row, then best first
    starts = np.searchsorted(r, np.arange(rows))
    full = np.diff(np.r_[starts, len(r)]) >= k
    kth = np.full(rows, -np.inf, value.dtype)
    kth[full] = value[by_row[starts[full] + k - 1]]
    keep = value >= kth[r]
    return r[keep], c[keep], np.floor(value[keep])


@cache
def _jitter(seed: int) -> np.ndarray:
    """BLOCK_CELLS values in [0, 0.5) for `_top_k`, the same in every call (made once per process)."""
    values = np.random.default_rng(seed).random(BLOCK_CELLS, dtype=np.float32) * np.float32(0.5)
    values.setflags(write=False)
    return values


def _sampled_top_k(
    block: np.ndarray, k: int, sample: int, rng: np.random.Generator, jitter: np.ndarray
) -> tuple:
    """Per row: the k best allowed columns among `sample` random ones (row, column, score)."""
    rows, width = block.shape
    if sample >= width:
        return _top_k(block.copy(), k, jitter)
    picks = rng.integers(0, width, (rows, sample))
    r, c, v = _top_k(np.take_along_axis(block, picks, axis=1), k, jitter)
    return r, picks[r, c], v


def _in_blocks(total: int, step: int, work: Callable[[int, int], object]) -> list:
    """work(start, stop) over consecutive blocks, on a few threads (numpy releases the GIL), in order."""
    starts = range(0, total, step)
    if len(starts) <= 1 or _THREADS <= 1:
        return [work(lo, min(total, lo + step)) for lo in starts]
    with ThreadPoolExecutor(_THREADS) as pool:
        return list(pool.map(lambda lo: work(lo, min(total, lo + step)), starts))


def _shortlist(scores: Scores, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The first pairs to solve on; also counts the allowed pairs.

    Each row's k best columns among SAMPLE random ones (its good options, not all rows' same few best),
    RANDOM_ARCS random allowed columns (so that rows whose best columns are taken by others still have
    somewhere to go: without them, rows with the same scores shortlist the same few columns and the
    solution strands many), and each column's COLUMN_LIST best rows (over all rows: sampled, they
    made more solves).
    The bonus is left out of the ranking: it is the same for all of a row's pairs, and on the columns'
    side it would put the same few rows on every list. Where the caller can score single pairs
    (`Scores.pairs`), only the rows' sampled pairs are scored, not whole rows.
    """
    n, m = scores.shape
    bonus = scores.bonus.astype(np.float64)
    jitter = _jitter(0)
    quick = scores.pairs is not None and scores.allowed is not None  # else whole rows, counted

    def row_lists(r0: int, r1: int) -> tuple:
        rows = np.arange(r0, r1)
        if quick and SAMPLE < m:  # the sampled pairs alone
            picks = np.random.default_rng([1, r0]).integers(0, m, (r1 - r0, RANDOM_ARCS + SAMPLE))
            values = scores.pairs(rows[:, None], picks)
            r, c, v = _top_k(values[:, RANDOM_ARCS:], k, jitter)
            c, allowed = picks[r, RANDOM_ARCS + c], 0
        else:  # whole rows
            picks = np.random.default_rng([1, r0]).integers(0, m, (r1 - r0, RANDOM_ARCS))
            block = scores.rows(rows)
            values, allowed = np.take_along_axis(block, picks, axis=1), int(np.count_nonzero(block >= 0))
            r, c, v = _sampled_top_k(block, k, SAMPLE, np.random.default_rng([3, r0]), jitter)
        r2, c2 = np.nonzero(values[:, :RANDOM_ARCS] >= 0)
        return (
            [r + r0, r2 + r0],
            [c, picks[r2, c2]],
            [v + bonus[r + r0], values[r2, c2] + bonus[r2 + r0]],
            allowed,
        )

    # a sampled pair takes some 50 bytes of index arrays on its way, a pair of a whole row 4
    step = max(1, BLOCK_CELLS // (12 * (RANDOM_ARCS + SAMPLE)) if quick else BLOCK_CELLS // m)
    parts = _in_blocks(n, step, row_lists)
    if COLUMN_LIST:
        parts += _column_lists(scores, bonus, jitter)
    rows = [x for part in parts for x in part[0]]
    cols = [x for part in parts for x in part[1]]
    vals = [x for part in parts for x in part[2]]
    allowed = scores.allowed if scores.allowed is not None else sum(part[3] for part in parts)
    return (*_merge(rows, cols, vals, m), allowed)


def _column_lists(scores: Scores, bonus: np.ndarray, jitter: np.ndarray) -> list[tuple]:
    """Each column's COLUMN_LIST best rows. Columns that score alike (`Scores.column_groups`) are scored
    once, as a group: its best COLUMN_LIST x (its size) rows, dealt out among its columns in turn."""
    n, m = scores.shape
    groups = scores.column_groups if scores.column_groups is not None else np.arange(m)
    order = np.argsort(groups, kind="stable")
    starts = np.flatnonzero(np.r_[True, groups[order][1:] != groups[order][:-1]])
    sizes = np.diff(np.r_[starts, m])
    parts = []
    for size in np.unique(sizes).tolist():
        members = order[starts[sizes == size][:, None] + np.arange(size)]  # group x its columns

        def lists(g0: int, g1: int, members: np.ndarray = members, size: int = size) -> tuple:
            g, r, v = _top_k(scores.cols(members[g0:g1, 0]), COLUMN_LIST * size, jitter)
            turn = np.arange(len(g)) - np.searchsorted(g, g)  # g comes sorted: each row's place in its group
            return [r], [members[g0 + g, turn % size]], [v + bonus[r]], 0

        parts += _in_blocks(len(members), max(1, BLOCK_CELLS // n), lists)
    return parts


def _merge(rows: list, cols: list, vals: list, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concatenate pair lists, drop duplicates, and sort by (row, column) so every run is the same."""
    r = np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, np.int64)
    v = np.concatenate(vals).astype(np.float64) if vals else np.zeros(0)
    keys, first = np.unique(r * max(m, 1) + c, return_index=True)
    return keys // max(m, 1), keys % max(m, 1), v[first]


# The solve and its certificate
def _solve(
    n: int, capacity: np.ndarray, rows: np.ndarray, cols: np.ndarray, points: np.ndarray, big: int
) -> np.ndarray:
    """Which pairs an assignment on these pairs uses that places the most rows, then scores the most.

    A minimum-weight matching (SciPy's LAPJVsp), each pair costing how far it falls short of the best
    score. When the pairs can fill every column place, or place every row, with one another (a quick
    maximum matching tells), that full matching is solved as it is. When they cannot, each place also
    gets its own stand-in, costing `big` (more than any total of shortfalls, so an empty place is the
    last resort), and every place is filled. Without the stand-ins a solve at 20,000 x 10,000 takes
    0.32 s instead of 0.44 s.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching

    places = int(capacity.sum())
    m = len(capacity)
    # LAPJVsp places one place at a time, in order, and among equally good mates takes the lowest label.
    # Least choice first: the places of the columns with the fewest pairs per place go first, and the rows
    # with the fewest pairs get the lowest labels. At 20,000 x 10,000 a solve took 0.43-0.47 s so, against
    # 0.8-0.95 s in column and row order (at 5,000 x 2,500, 0.036 s against 0.045 s); same optimum.
    order = np.argsort(np.bincount(cols, minlength=m) / np.maximum(capacity, 1), kind="stable")
    first = np.empty(m, np.int64)
    first[order] = np.cumsum(capacity[order]) - capacity[order]  # each column's first place
    by_label = np.argsort(np.bincount(rows, minlength=n), kind="stable")  # the row of each label
    label = np.empty(n, np.int64)
    label[by_label] = np.arange(n)
    per_pair = capacity[cols]
    pair_of = np.repeat(np.arange(len(rows)), per_pair)
    place = (
        first[cols[pair_of]] + np.arange(len(pair_of)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    )
    top = int(points.max())
    # weights are kept positive: SciPy's sparse matrices may drop explicit zeros
    weights, mate = top + 1 - points[pair_of], label[rows[pair_of]]
    graph = csr_matrix((weights, (place, mate)), shape=(places, n))
    if np.count_nonzero(maximum_bipartite_matching(graph) >= 0) < min(places, n):
        weights = np.r_[weights, np.full(places, big + top + 1.0)]
        graph = csr_matrix(
            (weights, (np.r_[place, np.arange(places)], np.r_[mate, n + np.arange(places)])),
            shape=(places, n + places),
        )
    place_rows, place_mates = min_weight_full_bipartite_matching(graph)
    real = place_mates < n
    column_of_place = np.repeat(order, capacity[order])
    # pairs come sorted by (row, column) and unique (`_merge`): find the chosen ones by their key
    chosen = by_label[place_mates[real]] * m + column_of_place[place_rows[real]]
    used = np.zeros(len(rows), bool)
    used[np.searchsorted(rows * m + cols, chosen)] = True
    return used


def _prices(
    n: int,
    capacity: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    points: np.ndarray,
    used: np.ndarray,
    big: int,
    sweeps: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Dual prices proving the assignment `used` optimal on the given pairs, or None when there are none.

    The assignment is also a maximum-weight one when each pair is worth `big` + its score, `big` being
    above any total of scores: one more placed row then outweighs any score. In that linear program's
    dual a row has a value u >= 0 and a column a price v >= 0 with u + v >= big + score on every pair,
    and u + v = big + score on the pairs used. v is the least price at which no row would rather have
    that column than what it has (a row left out has 0; a placed one big + score - v[its column]): the
    longest paths in the graph of reassignments, by Bellman-Ford. When the assignment is optimal these
    paths settle and the prices are consistent (0 for a column with a place left, u >= 0); when it is
    not, a positive cycle keeps them rising past `sweeps` sweeps, or they come out inconsistent.
    Returns (v per column, tau = u - big per row).
    """
    m = len(capacity)
    matched_col = np.full(n, -1, np.int64)
    matched_pts = np.zeros(n, np.int64)
    matched_col[rows[used]] = cols[used]
    matched_pts[rows[used]] = points[used].astype(np.int64)
    pts = points.astype(np.int64)
    v = np.zeros(m, np.int64)
    free = matched_col[rows] < 0
    np.maximum.at(v, cols[free], big + pts[free])
    moves = ~free & ~used
    # by column, stably: numpy sorts 16-bit keys by radix, ten times quicker than 64-bit ones
    order = np.argsort(cols[moves].astype(np.uint16) if m <= 2**16 else cols[moves], kind="stable")
    tail = matched_col[rows[moves]][order]
    head = cols[moves][order]
    gain = (pts[moves] - matched_pts[rows[moves]])[order]
    if len(head):
        starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]])
        targets = head[starts]
        for _ in range(sweeps):
            best = np.maximum.reduceat(v[tail] + gain, starts)
            better = best > v[targets]
            if not better.any():
                break
            v[targets[better]] = best[better]
        else:
            return None
    tau = np.full(n, -big, np.int64)
    has = matched_col >= 0
    tau[has] = matched_pts[has] - v[matched_col[has]]
    places_left = capacity - np.bincount(cols[used], minlength=m) > 0
    if (tau < -big).any() or (v[places_left] != 0).any():
        return None
    return v, tau


def _exact_float32(v: np.ndarray, tau: np.ndarray, big: int, top: int) -> tuple[np.ndarray, np.ndarray]:
    """v and tau as float32 with tau[i] + v[j] compared to a score exactly as in whole numbers.

    Prices near `big` (a column wanted by a row left out) and values near -big are shifted by big and
    marked with +/- 2**23: a pair then compares exactly when its two shifts cancel, and by a margin far
    larger than any score when they do not (which is the right answer, since big > 2**22 + top).
    Falls back to float64 when the numbers do not allow it.
    """
    if max(np.abs(v).max(initial=0), np.abs(tau).max(initial=0)) < 2**22:
        return v.astype(np.float32), tau.astype(np.float32)
    high_v = v >= big // 2
    low_tau = tau < -(big // 2)
    p = np.where(high_v, v - big, v)
    o = np.where(low_tau, tau + big, tau)
    if big > 2**22 + top and top < _EXACT and np.abs(p).max() < _EXACT and np.abs(o).max() < _EXACT:
        return (p + high_v * 2**23).astype(np.float32), (o - low_tau * 2**23).astype(np.float32)
    return v.astype(np.float64), tau.astype(np.float64)


def _violations(scores: Scores, v: np.ndarray, tau: np.ndarray, per_row: int, big: int, top: int) -> tuple:
    """Allowed pairs that would improve the assignment at these prices (at most per_row per row).

    A pair (i, j) improves it when its score exceeds tau[i] + v[j]; when none does, the prices prove
    the assignment optimal over every allowed pair. (The bonus moves to the right-hand side.) Each row's
    best pair is found first (`Scores.best_reduced`), and only the rows it improves are scored in full.
    """
    m = scores.shape[1]
    vf, tf = _exact_float32(v, tau - scores.bonus.astype(np.int64), big, top)
    best = (scores.best_reduced or partial(_best_reduced, scores))(vf)
    bad = np.flatnonzero(best > tf)  # exact (see _exact_float32)
    jitter = _jitter(2)

    def improving(k0: int, k1: int) -> tuple:
        rows = bad[k0:k1]
        block = scores.rows(rows)
        slack = reduced(block, vf) - tf[rows, None]  # rounded, but its sign is exact
        r, c, _ = _top_k(np.where(slack > 0, np.floor(slack), -1), per_row, jitter)
        return rows[r], c, block[r, c].astype(np.float64) + scores.bonus[rows[r]]

    found = _in_blocks(len(bad), max(1, BLOCK_CELLS // m), improving)
    return [x[0] for x in found], [x[1] for x in found], [x[2] for x in found]


def reduced(block: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Each allowed pair's block value less its column's price; -inf where the pair is not allowed."""
    return np.where(block >= 0, block - price, -np.inf)


def _best_reduced(scores: Scores, price: np.ndarray) -> np.ndarray:
    """`Scores.best_reduced` from every row's block."""
    n, m = scores.shape

    def best(r0: int, r1: int) -> np.ndarray:
        return reduced(scores.rows(np.arange(r0, r1)), price).max(axis=1)

    return np.concatenate(_in_blocks(n, max(1, BLOCK_CELLS // m), best))


# The reference
def tight_matrix(
    scores: np.ndarray, places: np.ndarray, decimals: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dense assignment matrix of the tight form: one column per place, a pair not allowed worth -1
    and an allowed one `big` + its score (in whole units of 10**-decimals), `big` above any total of
    scores. Every assignment of it has min(rows, places) pairs, so the largest total first places the
    most rows, then scores the most. Returns (the matrix, the column of each place, whole scores)."""
    slots = np.repeat(np.arange(scores.shape[1]), places)
    points = np.round(scores[:, slots] * 10**decimals)
    big = (min(len(scores), len(slots)) + 1) * (np.nanmax(points, initial=0) + 1)
    return np.where(np.isnan(points), -1.0, big + points), slots, points


def dense_optimum(scores: np.ndarray, places: np.ndarray, decimals: int = 3) -> tuple[int, float, np.ndarray]:
    """The reference solver: SciPy's exact dense `linear_sum_assignment` on the tight form.

    `scores` with NaN where a pair is not allowed, `places` per column. For tests and benchmarks.
    Returns (rows placed, total score, the chosen column per row or -1).
    """
    from scipy.optimize import linear_sum_assignment

    gain, slots, points = tight_matrix(scores, places, decimals)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return placed_total(gain, slots, points, rows, cols, decimals)


def placed_total(
    gain: np.ndarray,
    slots: np.ndarray,
    points: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    decimals: int = 3,
) -> tuple[int, float, np.ndarray]:
    """A dense solver's answer on `tight_matrix` read back: (rows placed, total score, column per row)."""
    placed = gain[rows, cols] > 0
    chosen = np.full(len(gain), -1, np.int64)
    chosen[rows[placed]] = slots[cols[placed]]
    total = float(points[rows[placed], cols[placed]].sum()) / 10**decimals
    return int(placed.sum()), round(total, decimals), chosen
