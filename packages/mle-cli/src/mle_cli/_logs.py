"""A run's log: :func:`mle_monitor.results.read_run` (the one place a run's log is opened)."""

from __future__ import annotations

from mle_monitor.results import read_run

__all__ = ["read_run"]
