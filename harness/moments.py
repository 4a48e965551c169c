"""Running moments of replicates, row by row: what a look of the sequential test reads.

:class:`PowerSums` accumulates, for each row of replicates (the expectations of one
example, or the replications of a calibration), the sums of the first four powers of the
replicates centred at the mean of the first chunk seen and scaled to order 1 (so that the
moments do not lose digits, and tiny replicates do not underflow), and the sum of their
absolute values. :meth:`PowerSums.moments` turns them into a :class:`Moments`: the t
statistic against a target, the skewness and excess kurtosis (biased, as ``scipy.stats``),
and whether the row is *constant*.

A row is constant when its spread is within the rounding of its values (constant, or
constant up to float64 rounding): its skewness and kurtosis are rounding noise (their
cancellations give skewness 1e7 and kurtosis 1e15 for a constant law) and say nothing of
the law's tails. The sequential test lets no early look reject such a row, accepts it only
by an exact bound (``harness.design``), and only a discrepancy beyond the rounding floor
rejects it at the last look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.rounding import ROUNDING_TERMS, unit_roundoff

__all__ = ["Moments", "PowerSums", "moments_of"]

BLOCK = 1 << 17
"""Entries of a chunk :meth:`PowerSums.add` works on at once (1 MiB of float64)."""


@dataclass(frozen=True)
class Moments:
    """Moments of each row (arrays of shape ``(rows,)``): ``n`` replicates, their ``mean``,
    unbiased ``sd``, the t statistic against the target, skewness, excess kurtosis (0 where
    ``constant``), ``constant`` and ``mean_abs`` (the mean of ``|X|``)."""

    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    t: np.ndarray
    skewness: np.ndarray
    excess_kurtosis: np.ndarray
    constant: np.ndarray
    mean_abs: np.ndarray

    def take(self, rows: np.ndarray) -> Moments:
        """The moments of the selected rows."""
        return Moments(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


class PowerSums:
    """Sums of powers of the replicates of ``rows`` rows, added chunk by chunk.

    Each row is centred and scaled by the first chunk it receives; a row can be
    :meth:`reset` (a replanned test starts again on fresh replicates)."""

    def __init__(self, rows: int, targets: np.ndarray,
                 dtype: np.dtype | type = np.float64) -> None:
        self.unit_roundoff = unit_roundoff(dtype)
        self.targets = np.asarray(targets, dtype=float).reshape(rows)
        self.n = np.zeros(rows, dtype=np.int64)
        self.centre = np.zeros(rows)
        self.scale = np.ones(rows)
        self.sums = np.zeros((5, rows))  # Σy, Σy², Σy³, Σy⁴, Σ|x|

    def reset(self, rows: np.ndarray) -> None:
        """Forget everything the selected rows have seen."""
        self.n[rows] = 0
        self.sums[:, rows] = 0.0

    def add(self, rows: np.ndarray, x: np.ndarray, take: np.ndarray | None = None) -> None:
        """Add chunk ``x`` (shape ``(len(rows), m)``) to the selected rows: each row its
        first ``take[i]`` replicates (all ``m`` by default).

        A large chunk is added in blocks of rows of about ``BLOCK`` entries, whose
        temporaries stay in the processor's cache (a calibration's 100,000 x 172 chunk: 0.22
        -> 0.14 s); each row's sums are the same as in one piece."""
        x = np.asarray(x, dtype=float)
        rows = np.asarray(rows)
        take = np.full(rows.size, x.shape[1]) if take is None else np.asarray(take)
        step = max(1, BLOCK // max(x.shape[1], 1))
        for i in range(0, rows.size, step):
            self._add(rows[i:i + step], x[i:i + step], take[i:i + step])

    def _add(self, rows: np.ndarray, x: np.ndarray, take: np.ndarray) -> None:
        m = x.shape[1]
        mask = None if (take == m).all() else np.arange(m)[None, :] < take[:, None]
        fresh = (self.n[rows] == 0) & (take > 0)
        if fresh.any():
            r, first = rows[fresh], x[fresh]
            w = None if mask is None else mask[fresh]
            centre = (first.sum(axis=1) if w is None else np.where(w, first, 0.0).sum(axis=1)
                      ) / take[fresh]
            dev = np.abs(first - centre[:, None])
            dev = dev if w is None else np.where(w, dev, 0.0)
            scale = np.maximum(dev.max(axis=1), np.abs(centre - self.targets[r]))
            self.centre[r] = centre
            self.scale[r] = np.where(scale > 0, scale, 1.0)
        # two temporaries and row-wise dot products: the sums are the chunk's only passes
        y = x - self.centre[rows, None]
        y *= (1.0 / self.scale[rows])[:, None]
        y2 = np.abs(x)
        if mask is not None:
            y[~mask], y2[~mask] = 0.0, 0.0
        self.sums[4, rows] += y2.sum(axis=1)
        np.multiply(y, y, out=y2)
        self.sums[0, rows] += y.sum(axis=1)
        self.sums[1, rows] += y2.sum(axis=1)
        self.sums[2, rows] += np.einsum("ij,ij->i", y2, y)
        self.sums[3, rows] += np.einsum("ij,ij->i", y2, y2)
        self.n[rows] += take

    def moments(self, rows: np.ndarray) -> Moments:
        """The :class:`Moments` of the selected rows (each must have seen 2 replicates)."""
        n = self.n[rows].astype(float)
        p1, p2, p3, p4 = (self.sums[i, rows] / n for i in range(4))
        scale, centre, target = self.scale[rows], self.centre[rows], self.targets[rows]
        m2 = np.maximum(p2 - p1**2, 0.0)
        m3 = p3 - 3 * p1 * p2 + 2 * p1**3
        m4 = p4 - 4 * p1 * p3 + 6 * p1**2 * p2 - 3 * p1**4
        off = p1 + (centre - target) / scale
        # a spread within float64 rounding of the values is rounding noise: the rounding
        # floor's mean |X| is bounded by |centre| + the RMS deviation from it
        ku = (ROUNDING_TERMS + np.ceil(np.log2(np.maximum(n, 2)))) * self.unit_roundoff
        floor = ku / (1 - ku) * ((np.abs(target) + np.abs(centre)) / scale + np.sqrt(p2))
        constant = ~(np.sqrt(m2) > floor)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = off / np.sqrt(m2 / (n - 1))
            t = np.where(m2 > 0, t, np.where(off == 0, 0.0, np.copysign(np.inf, off)))
            g1 = np.where(constant, 0.0, m3 / m2**1.5)
            g2 = np.where(constant, 0.0, m4 / m2**2 - 3.0)
        sd = scale * np.sqrt(m2 * n / np.maximum(n - 1, 1))
        return Moments(n.astype(np.int64), centre + scale * p1, sd, t, g1, g2, constant,
                       self.sums[4, rows] / n)


def moments_of(samples: np.ndarray, target: float) -> Moments:
    """:class:`Moments` of each row of ``samples`` (shape ``(rows, n)`` or ``(n,)``)."""
    x = np.atleast_2d(np.asarray(samples, dtype=float))
    rows = np.arange(x.shape[0])
    sums = PowerSums(x.shape[0], np.full(x.shape[0], float(target)))
    sums.add(rows, x)
    return sums.moments(rows)
