"""The "Weights & Biases" tab of a task's Flyte report: a run's record log read live, and its
metrics downsampled for charts."""

from .page import TrialRow, run_tab_html, sweep_tab_html
from .run_view import RunView
from .series import Series
from .state import LiveRun
from .svg import line_chart
from .tail import RecordTail
from .worker_client import RunViewProcess

__all__ = [
    "LiveRun",
    "RecordTail",
    "RunView",
    "RunViewProcess",
    "Series",
    "TrialRow",
    "line_chart",
    "run_tab_html",
    "sweep_tab_html",
]
