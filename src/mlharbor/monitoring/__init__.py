"""Monitoring: data drift and model performance drift between reference and current data.

::

    from mlharbor.monitoring import data_drift

    report = data_drift(reference_df, current_df)
    if report.dataset_drift:
        print(f"{report.share_of_drifted_columns:.0%} of columns drifted")
    report.save_html("drift.html")
    report.log_to_run()  # metrics drift.*, artifacts drift/report.html and drift/report.json

Numerical columns are compared with Kolmogorov-Smirnov (references of at most 1000 rows) or a
normed Wasserstein distance, categorical ones with chi-square or Jensen-Shannon distance; PSI is
available for either. :func:`performance_drift` compares quality metrics of predictions, and
:class:`DriftWindow` watches live traffic (``mlharbor models serve --monitor-reference``).
pandas, scipy and scikit-learn are imported when these functions run, not on import.
"""

from __future__ import annotations

from mlharbor.monitoring._drift import ColumnDrift, DriftReport, data_drift
from mlharbor.monitoring._performance import PerformanceReport, performance_drift
from mlharbor.monitoring._stattests import SMALL_SAMPLE_ROWS, STATTESTS, StatTest
from mlharbor.monitoring._window import DriftSnapshot, DriftWindow, read_frame

__all__ = [
    "SMALL_SAMPLE_ROWS",
    "STATTESTS",
    "ColumnDrift",
    "DriftReport",
    "DriftSnapshot",
    "DriftWindow",
    "PerformanceReport",
    "StatTest",
    "data_drift",
    "performance_drift",
    "read_frame",
]
