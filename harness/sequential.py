"""The sequential t-test as one object: the engine, the calibration tests and the benchmark
all drive it the same way.

    test = SequentialTest(targets, alpha=..., power=..., min_effect_sd=...)
    while not test.done:
        wanted = test.samples_wanted()        # per row: replicates before its next look
        test.observe(draw(wanted.max()))      # each row takes what it wants from the front
    test.results()                            # one MeanTest per row

Rows are independent decisions of ``E[X_r] = target_r`` under one design (the expectations
of one example, or the replications of a calibration). Each row takes, from every chunk it
is offered, the replicates it still wants before its next look and leaves the rest: the
replicates a row uses are then i.i.d. draws of its law whatever the other rows want (which
ones it leaves depends only on what was seen before them). Looks, guards, replanning and
thresholds are the design's (``harness.design``); moments are ``harness.moments``'.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from harness import tailbound
from harness.design import ACCEPT, CONTINUE, LOOKS, REJECT, SequentialDesign, sequential_design
from harness.looks import NAMES, Look, why_decided
from harness.moments import Moments, PowerSums
from harness.rounding import mean_floor
from harness.ttest import MeanTest
from harness.validity import looks_discrete, samples_for_fixed_test

__all__ = ["BEYOND_CAP", "Look", "SequentialTest"]

BEYOND_CAP = 2
"""Status of a row whose law needs more replicates than the sample cap for a valid test."""

_EARLY, _LAST, _NEED, _CAP = 0, 1, 2, 3
"""Stages of a running row: at an early look; at the last look's planned size; drawing what
the law needs at the last look; drawing the sample cap to confirm a need beyond it."""

@lru_cache(maxsize=8192)
def _t_quantile(alpha: float, n: int) -> float:
    return float(stats.t.isf(alpha / 2, max(n - 1, 1)))


class SequentialTest:
    """Sequential t-tests of ``E[X_r] = targets[r]`` with false-failure rate ``alpha`` and
    power ``power`` against ``min_effect_sd`` SD, one per row, at any stopping time
    (``harness.design``). ``sample_cap`` bounds what a row may draw: a row whose law needs
    more ends with status :data:`BEYOND_CAP`. ``trace`` keeps every look of every row;
    ``dtype`` is the precision the replicates were computed in (their rounding floor);
    ``design`` replaces the design the rates give (to calibrate one design alone)."""

    def __init__(self, targets: Any, *, alpha: float, power: float, min_effect_sd: float,
                 sample_cap: int | None = None, looks: int = LOOKS, trace: bool = False,
                 names: tuple[str, ...] | None = None,
                 dtype: np.dtype | type = np.float64,
                 design: SequentialDesign | None = None) -> None:
        self.targets = np.atleast_1d(np.asarray(targets, dtype=float))
        rows = self.targets.size
        self.names = names or tuple(f"E[X_{r}]" for r in range(rows))
        self.base = design or sequential_design(alpha=alpha, power=power,
                                                min_effect_sd=min_effect_sd, looks=looks)
        self.cap = sample_cap
        self.dtype = dtype
        self._designs: list[SequentialDesign] = [self.base]
        self.design = np.zeros(rows, dtype=int)    # index into _designs, per row
        self.index = np.zeros(rows, dtype=int)     # look index within the row's design
        self.stage = np.full(rows, _EARLY)
        self.status = np.full(rows, CONTINUE)
        self.goal = np.full(rows, self.base.sizes[0], dtype=np.int64)
        self.pilot = np.zeros(rows, dtype=np.int64)
        self.discrete = np.zeros(rows, dtype=bool)
        self.fixed_n = np.full(rows, self.base.fixed_n, dtype=np.int64)
        self.need = np.zeros(rows, dtype=np.int64)
        self.stopped_at = np.zeros(rows, dtype=int)  # number of the deciding look
        self.bound = np.full(rows, np.nan)  # log tail bound of an overwhelming rejection
        self.overwhelmed = np.zeros(rows, dtype=bool)  # rejected by the tail bound
        self.sums = PowerSums(rows, self.targets, dtype)
        self._first: list[list[np.ndarray]] = [[] for _ in range(rows)]
        self._final = np.zeros((8, rows))  # the moments each row stopped on
        self._final_index = np.full(rows, -1)  # the look index it stopped at (-1: running)
        self._pilots: dict[int, Moments] = {}  # the first look's moments of a replanned row
        self.traces: list[list[Look]] | None = [[] for _ in range(rows)] if trace else None

    # ------------------------------------------------------------------ driving

    @property
    def done(self) -> bool:
        """True when every row has stopped."""
        return bool((self.status != CONTINUE).all())

    @property
    def running(self) -> np.ndarray:
        """Indices of the rows still running."""
        return np.flatnonzero(self.status == CONTINUE)

    def samples_wanted(self) -> np.ndarray:
        """Per row, the replicates it still takes before its next look (0 once stopped)."""
        return np.where(self.status == CONTINUE, self.goal - self.sums.n, 0)

    def observe(self, x: np.ndarray, rows: np.ndarray | None = None) -> None:
        """Offer chunk ``x`` (shape ``(len(rows), m)``; all rows by default) and evaluate
        every row it brings to a look."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        rows = np.arange(self.targets.size) if rows is None else np.asarray(rows)
        if x.shape[0] != rows.size:
            raise ValueError(f"a chunk of {x.shape[0]} rows offered for {rows.size} rows")
        take = np.minimum(self.samples_wanted()[rows], x.shape[1])
        if not (take > 0).any():
            return
        first = np.flatnonzero((take > 0) & (self.design[rows] == 0) & (self.index[rows] == 0)
                               & (self.stage[rows] == _EARLY))
        for i in first:  # the first look's replicates: is the law discrete?
            self._first[rows[i]].append(x[i, :take[i]])
        self.sums.add(rows, x, take)
        reached = rows[(take > 0) & (self.sums.n[rows] >= self.goal[rows])]
        if reached.size:
            self._evaluate(reached)

    # ------------------------------------------------------------------ looks

    def _evaluate(self, rows: np.ndarray) -> None:
        keys = self.design[rows] * 4096 + self.index[rows] * 4 + self.stage[rows]
        for key in (keys[:1] if rows.size == 1 else np.unique(keys)):
            group = rows if rows.size == 1 else rows[keys == key]
            design = self._designs[self.design[group[0]]]
            moments = self.sums.moments(group)
            if self.stage[group[0]] == _EARLY:
                self._early_look(group, design, int(self.index[group[0]]), moments)
            else:
                self._last_look(group, design, moments)

    def _early_look(self, rows: np.ndarray, design: SequentialDesign, index: int,
                    m: Moments) -> None:
        if index == 0 and design.first_number == 1:
            firsts = [np.concatenate(self._first[r]) for r in rows]
            if len({f.size for f in firsts}) == 1:
                self.discrete[rows] = looks_discrete(np.stack(firsts))
            else:
                self.discrete[rows] = [bool(looks_discrete(f)) for f in firsts]
            for r in rows:
                self._first[r] = []
        may_reject, may_accept = design.guard(
            index, m.n, m.skewness, m.excess_kurtosis, constant=m.constant,
            discrete=self.discrete[rows])
        out = design.decide(index, m.t, may_reject=may_reject, may_accept=may_accept,
                            skewness=m.skewness, excess_kurtosis=m.excess_kurtosis,
                            constant=m.constant)
        withheld = (out == CONTINUE) & ~np.asarray(may_reject, dtype=bool)
        out = np.where(self._overwhelming(rows, design, index, m, withheld), REJECT, out)
        # a discrepancy within rounding of the values decides nothing early
        out = np.where((out == REJECT) & ~self._beyond_floor(rows, m), CONTINUE, out)
        self.overwhelmed[rows[(out == REJECT) & withheld]] = True
        self._record(rows, design, index, m, out, may_reject, may_accept)
        for decided in (REJECT, ACCEPT):
            self._stop(rows[out == decided], design, index, m.take(out == decided), decided)
        going = rows[out == CONTINUE]
        if not going.size:
            return
        gm = m.take(out == CONTINUE)
        steps = (design.replanning(gm.skewness, gm.excess_kurtosis, max_samples=self.cap)
                 if index == 0 else np.zeros(going.size, dtype=int))
        for step in np.unique(steps):
            r = going[steps == step]
            if step > 0:
                for i in np.flatnonzero(steps == step):  # the pilot, until fresh replicates
                    self._pilots[int(going[i])] = gm.take(np.array([i]))
                new = design.replanned(int(step))
                self._designs.append(new)
                self.design[r] = len(self._designs) - 1
                self.pilot[r] += self.sums.n[r]
                self.sums.reset(r)
                self.index[r] = 0
                self.goal[r] = new.sizes[0]
            else:
                self.index[r] = index + 1
                last = self.index[r] == design.last_index
                self.stage[r] = np.where(last, _LAST, _EARLY)
                self.goal[r] = design.sizes[index + 1]

    def _last_look(self, rows: np.ndarray, design: SequentialDesign, m: Moments) -> None:
        stage = self.stage[rows[0]]
        if stage != _NEED:
            need = design.samples_needed_at_last_look(m.skewness, m.excess_kurtosis)
            self.need[rows] = need
            if stage == _CAP:  # the cap's replicates confirm a need beyond it, or not
                beyond = need > self.cap
                self.status[rows[beyond]] = BEYOND_CAP
                self._keep(rows[beyond], m.take(beyond), design.last_index)
                rows, m = rows[~beyond], m.take(~beyond)
            else:
                # overwhelming evidence decides before the replicates the law needs are drawn
                now = self._overwhelming(rows, design, design.last_index, m, need > m.n)
                now &= self._beyond_floor(rows, m)
                self.overwhelmed[rows[now]] = True
                self._record(rows[now], design, design.last_index, m.take(now),
                             np.full(int(now.sum()), REJECT), False, False)
                self._stop(rows[now], design, design.last_index, m.take(now), REJECT)
                rows, m, need = rows[~now], m.take(~now), need[~now]
                # sample moments of a heavy law scatter upwards (10x at a few hundred
                # thousand replicates): a need beyond the cap is confirmed on the cap's
                # replicates before the row stops for it
                over = need > (self.cap if self.cap is not None else np.inf)
                self.stage[rows[over]] = _CAP
                self.goal[rows[over]] = self.cap if self.cap is not None else 0
                more = ~over & (need > m.n)
                self.stage[rows[more]] = _NEED
                self.goal[rows[more]] = need[more]
                rows, m = rows[~over & ~more], m.take(~over & ~more)
        if rows.size:
            index = design.last_index
            out = design.decide(index, m.t)
            out = np.where((out == REJECT) & ~self._beyond_floor(rows, m), ACCEPT, out)
            self._record(rows, design, index, m, out, True, True)
            for decided in (REJECT, ACCEPT):
                self._stop(rows[out == decided], design, index, m.take(out == decided),
                           decided)

    def _overwhelming(self, rows: np.ndarray, design: SequentialDesign, index: int,
                      m: Moments, candidates: np.ndarray) -> np.ndarray:
        """Which ``candidates`` (rows whose Student-t tail is not yet valid) the tail bound
        for every law of the observed kurtosis (``harness.tailbound``) rejects at
        :data:`~harness.tailbound.SHARE` of the look's level."""
        cand = (np.asarray(candidates, dtype=bool) & ~m.constant
                & (np.abs(m.t) > design.reject_t[index]) & (m.n >= tailbound.MIN_REPLICATES))
        out = np.zeros(cand.shape, dtype=bool)
        if cand.any():
            log_bound = tailbound.log_tail_bound(m.t[cand], m.n[cand],
                                                 m.excess_kurtosis[cand] + 3.0)
            out[cand] = log_bound <= math.log(tailbound.SHARE * design.alpha_at(index))
            self.bound[rows[cand]] = log_bound
        return out

    def _beyond_floor(self, rows: np.ndarray, m: Moments) -> np.ndarray:
        floor = mean_floor(0.0, np.abs(self.targets[rows]) + m.mean_abs, m.n, self.dtype)
        return np.abs(m.mean - self.targets[rows]) > floor

    def _stop(self, rows: np.ndarray, design: SequentialDesign, index: int, m: Moments,
              decided: int) -> None:
        if not rows.size:
            return
        self.status[rows] = decided
        self.stopped_at[rows] = design.number(index)
        self.fixed_n[rows] = np.maximum(self.fixed_n[rows], samples_for_fixed_test(
            alpha=design.alpha, power=design.power, effect_sd=design.min_effect_sd,
            skewness=m.skewness, excess_kurtosis=m.excess_kurtosis))
        self._keep(rows, m, index)

    def _keep(self, rows: np.ndarray, m: Moments, index: int) -> None:
        """Keep the moments the rows stopped on, for their results."""
        self._final[:, rows] = [m.n, m.mean, m.sd, m.t, m.skewness, m.excess_kurtosis,
                                m.constant, m.mean_abs]
        self._final_index[rows] = index

    def _record(self, rows: np.ndarray, design: SequentialDesign, index: int, m: Moments,
                out: np.ndarray, may_reject: Any, may_accept: Any) -> None:
        if self.traces is None:
            return
        alpha = design.alpha_at(index)
        may_reject = np.broadcast_to(may_reject, rows.shape)
        may_accept = np.broadcast_to(may_accept, rows.shape)
        for i, r in enumerate(rows):
            n = int(m.n[i])
            half = _t_quantile(alpha, n) * float(m.sd[i]) / math.sqrt(n)
            est = float(m.mean[i])
            why = why_decided(int(out[i]), bool(may_reject[i]), bool(may_accept[i]),
                       index == design.last_index, bool(m.constant[i]))
            if int(out[i]) == REJECT and not may_reject[i]:
                why = (f"overwhelming evidence: P(|T| >= |t|) <= exp({self.bound[r]:.1f}) for "
                       f"every law of the observed kurtosis, below {tailbound.SHARE:g} x the "
                       f"look's level {alpha:.3g}")
            self.traces[r].append(Look(design.number(index), n, est, (est - half, est + half),
                                       float(m.t[i]), design.reject_t[index],
                                       NAMES[int(out[i])], why))

    # ------------------------------------------------------------------ results

    @property
    def drawn(self) -> np.ndarray:
        """Replicates each row took in all (its pilot included)."""
        return self.pilot + self.sums.n

    def results(self) -> list[MeanTest]:
        """One :class:`MeanTest` per row: how it was decided, or ``undecided`` where the row
        had not stopped (another row stopped the example first)."""
        out = []
        for r in range(self.targets.size):
            if self._final_index[r] >= 0:
                f = self._final[:, r:r + 1]
                m = Moments(f[0].astype(np.int64), f[1], f[2], f[3], f[4], f[5],
                            f[6].astype(bool), f[7])
                index = int(self._final_index[r])
                design = self._designs[self.design[r]]
                decided = self.status[r] in (REJECT, ACCEPT)
            elif r in self._pilots and self.sums.n[r] < 2:  # replanned, nothing drawn since
                m, index, design, decided = self._pilots[r], 0, self.base, False
            else:
                m, index = self.sums.moments(np.array([r])), int(self.index[r])
                design, decided = self._designs[self.design[r]], False
            out.append(self._result(r, m, design, index, decided))
        return out

    def _result(self, r: int, m: Moments, design: SequentialDesign, index: int,
                decided: bool) -> MeanTest:
        n, est, sd, t = int(m.n[0]), float(m.mean[0]), float(m.sd[0]), float(m.t[0])
        alpha = design.alpha_at(index)
        if n >= 2 and sd > 0:
            half = _t_quantile(alpha, n) * sd / math.sqrt(n)
            p = float(2 * stats.t.sf(abs(t), n - 1))
        else:
            half, p = 0.0, 0.0 if t != 0 else 1.0
        floor = float(mean_floor(float(self.targets[r]), float(m.mean_abs[0]), max(n, 2),
                                 self.dtype))
        why = self.traces[r][-1].why if self.traces and self.traces[r] else ""
        return MeanTest(self.names[r], est, est - half, est + half, float(self.targets[r]),
                        t, p, alpha, design.power, design.min_effect_sd, sd, n,
                        bool(self.status[r] == REJECT), floor, design.number(index),
                        design.last_number, undecided=not decided, why=why)

    def trace(self, r: int) -> list[Look]:
        """The looks row ``r`` has seen (requires ``trace=True``)."""
        return list(self.traces[r]) if self.traces is not None else []

