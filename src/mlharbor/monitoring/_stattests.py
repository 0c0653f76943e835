"""The statistical tests that decide whether one column drifted.

Each test compares a column's reference values with its current values (missing values already
dropped) and returns one score. Two kinds of score exist:

- ``p_value`` (``ks``, ``chisquare``): the probability of seeing a difference this large when
  both samples come from one distribution; drift when it is *below* the threshold.
- ``distance`` (``wasserstein``, ``jensenshannon``, ``psi``): how far apart the distributions
  are; drift when it is *above* the threshold.

When no test is named, small references (at most :data:`SMALL_SAMPLE_ROWS` rows) get the
hypothesis tests, which are sensitive on few rows, and larger ones get the distances, because a
p-value on tens of thousands of rows flags differences too small to matter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["SMALL_SAMPLE_ROWS", "STATTESTS", "StatTest", "default_stattest", "get_stattest"]

ColumnType = Literal["numerical", "categorical"]
ScoreKind = Literal["p_value", "distance"]

SMALL_SAMPLE_ROWS = 1000
_PSI_BINS = 10
# Keeps empty bins from making PSI infinite; the usual smoothing for this index.
_PSI_EPSILON = 1e-4


@dataclass(frozen=True)
class StatTest:
    """One drift test.

    Attributes:
        name: how it is named in ``stattest=``.
        kind: ``p_value`` (drift below the threshold) or ``distance`` (drift above it).
        default_threshold: the threshold used when none is given.
        column_types: the column types it can compare.
        compute: ``(reference, current, column_type) -> score`` on non-missing values.
    """

    name: str
    kind: ScoreKind
    default_threshold: float
    column_types: tuple[ColumnType, ...]
    compute: Callable[[Any, Any, ColumnType], float]

    def drifted(self, score: float, threshold: float) -> bool:
        """True when ``score`` means drift at ``threshold``."""
        return score < threshold if self.kind == "p_value" else score > threshold


def _ks(reference: Any, current: Any, column_type: ColumnType) -> float:
    from scipy import stats

    return float(stats.ks_2samp(reference, current).pvalue)


def _wasserstein(reference: Any, current: Any, column_type: ColumnType) -> float:
    """Earth mover's distance in units of the reference's standard deviation."""
    import numpy as np
    from scipy import stats

    # a constant reference would divide by zero; any movement away from it then counts as large
    scale = max(float(np.std(reference)), 0.001)
    return float(stats.wasserstein_distance(reference, current) / scale)


def _frequencies(reference: Any, current: Any) -> tuple[Any, Any]:
    """Counts of each category seen on either side, aligned: ``(reference, current)``."""
    import pandas as pd

    ref_counts = pd.Series(reference).value_counts()
    cur_counts = pd.Series(current).value_counts()
    categories = ref_counts.index.union(cur_counts.index)
    return (
        ref_counts.reindex(categories, fill_value=0).to_numpy(dtype=float),
        cur_counts.reindex(categories, fill_value=0).to_numpy(dtype=float),
    )


def _chisquare(reference: Any, current: Any, column_type: ColumnType) -> float:
    """Chi-square test of homogeneity on the two samples' category counts.

    The contingency form (rather than current counts against reference shares) keeps a category
    that only appears in the current data finite: it weighs as much as the evidence allows.
    """
    from scipy import stats

    ref_counts, cur_counts = _frequencies(reference, current)
    if len(ref_counts) < 2:
        return 1.0  # one category on both sides: nothing can have shifted
    table = [ref_counts, cur_counts]
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def _shares(reference: Any, current: Any, column_type: ColumnType, bins: int) -> tuple[Any, Any]:
    """Each side's share of rows per category, or per bin over both sides' range."""
    import numpy as np

    if column_type == "categorical":
        ref_counts, cur_counts = _frequencies(reference, current)
    else:
        low = min(float(np.min(reference)), float(np.min(current)))
        high = max(float(np.max(reference)), float(np.max(current)))
        edges = np.linspace(low, high, bins + 1) if high > low else np.array([low, low + 1.0])
        ref_counts = np.histogram(reference, edges)[0].astype(float)
        cur_counts = np.histogram(current, edges)[0].astype(float)
    return ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum()


def _jensenshannon(reference: Any, current: Any, column_type: ColumnType) -> float:
    """Jensen-Shannon distance in base 2, so 0 (same) to 1 (disjoint)."""
    from scipy.spatial import distance

    ref_shares, cur_shares = _shares(reference, current, column_type, bins=30)
    return float(distance.jensenshannon(ref_shares, cur_shares, base=2))


def _psi(reference: Any, current: Any, column_type: ColumnType) -> float:
    """Population stability index over reference-quantile bins (or categories)."""
    import numpy as np

    if column_type == "categorical":
        ref_shares, cur_shares = _shares(reference, current, column_type, bins=0)
    else:
        edges = np.unique(np.quantile(reference, np.linspace(0, 1, _PSI_BINS + 1)))
        if len(edges) < 2:
            edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
        # open-ended outer bins so current values outside the reference's range still count
        edges[0], edges[-1] = -np.inf, np.inf
        ref_shares = np.histogram(reference, edges)[0] / len(reference)
        cur_shares = np.histogram(current, edges)[0] / len(current)
    ref_shares = np.clip(ref_shares, _PSI_EPSILON, None)
    cur_shares = np.clip(cur_shares, _PSI_EPSILON, None)
    return float(np.sum((cur_shares - ref_shares) * np.log(cur_shares / ref_shares)))


STATTESTS: dict[str, StatTest] = {
    test.name: test
    for test in (
        StatTest("ks", "p_value", 0.05, ("numerical",), _ks),
        StatTest("wasserstein", "distance", 0.1, ("numerical",), _wasserstein),
        StatTest("chisquare", "p_value", 0.05, ("categorical",), _chisquare),
        StatTest("jensenshannon", "distance", 0.1, ("numerical", "categorical"), _jensenshannon),
        StatTest("psi", "distance", 0.1, ("numerical", "categorical"), _psi),
    )
}


def get_stattest(name: str, column: str, column_type: ColumnType) -> StatTest:
    """The test called ``name``, checked against the column it is asked to compare.

    Raises:
        InvalidParameterValue: for an unknown name or a test that cannot compare this type.
    """
    test = STATTESTS.get(name)
    if test is None:
        raise InvalidParameterValue(
            f"Unknown stattest {name!r} for column {column!r}; choose one of "
            f"{', '.join(sorted(STATTESTS))}."
        )
    if column_type not in test.column_types:
        raise InvalidParameterValue(
            f"stattest {name!r} cannot compare the {column_type} column {column!r}; it works on "
            f"{' and '.join(test.column_types)} columns."
        )
    return test


def default_stattest(column_type: ColumnType, reference_rows: int) -> StatTest:
    """The test used for a column when none is named."""
    small = reference_rows <= SMALL_SAMPLE_ROWS
    if column_type == "numerical":
        return STATTESTS["ks" if small else "wasserstein"]
    return STATTESTS["chisquare" if small else "jensenshannon"]
