"""``time_per_job``: read the original toolbox's ``"DD:HH:MM"`` and unambiguous explicit forms.

Accepted (``parse_duration`` returns seconds):

- ``"DD:HH:MM"``: days, hours, minutes, as every release of the original mle-toolbox read it
  (``"00:30:00"`` is 30 hours, ``"00:00:05"`` is 5 minutes; hours may exceed 23);
- Slurm's day forms ``"D-HH"``, ``"D-HH:MM"``, ``"D-HH:MM:SS"`` (the dash makes them unambiguous);
- units: ``"90m"``, ``"2h"``, ``"1d12h"``, ``"1h 30m"``, ``"45s"`` (d, h, m, s, each at most once,
  in that order).

Everything else (``"90"``, ``"1:30"``, ``"90 minutes"``, a bare number) is refused, as is a
duration of zero. The scheduler receives :func:`scheduler_time` (``"D-HH:MM:SS"``, which
``mle_scheduler.parse_time`` reads); people see :func:`format_duration` (``30h 0m``).
"""

from __future__ import annotations

import re

from .errors import MleConfigError

__all__ = [
    "DURATION_FORMS",
    "DurationError",
    "format_duration",
    "normalize_time_per_job",
    "parse_duration",
    "scheduler_time",
]

DURATION_FORMS = '"DD:HH:MM" (days:hours:minutes), "D-HH:MM:SS", or units like "90m", "2h", "1d12h"'

_DDHHMM = re.compile(r"^(\d+):(\d+):([0-5]?\d)$")
_SLURM = re.compile(r"^(\d+)-(\d+)(?::([0-5]?\d)(?::([0-5]?\d))?)?$")
_UNITS = re.compile(r"^(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$")


class DurationError(MleConfigError, ValueError):
    """A duration that is not one of :data:`DURATION_FORMS`, or is zero. The message is the
    ``expected ..., found ...`` part of a schema problem."""


def _n(text: str | None) -> int:
    return int(text) if text else 0


def parse_duration(value: object) -> int:
    """Seconds in ``value`` (see the module docstring); :class:`DurationError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, str):
        kind = "a boolean" if isinstance(value, bool) else type(value).__name__
        shown = "an integer" if isinstance(value, int) and not isinstance(value, bool) else kind
        raise DurationError(f"expected a quoted duration {DURATION_FORMS}, found {shown} {value!r}")
    text = value.strip().lower()
    m = _DDHHMM.match(text) or _SLURM.match(text) or (text and _UNITS.match(text)) or None
    if m is None or not any(m.groups()):
        raise DurationError(f"expected a duration {DURATION_FORMS}, found {value!r}")
    parts = [_n(g) for g in m.groups()] + [0]  # DD:HH:MM has no seconds group
    seconds = ((parts[0] * 24 + parts[1]) * 60 + parts[2]) * 60 + parts[3]
    if seconds <= 0:
        raise DurationError(f"expected a duration above zero, found {value!r}")
    return seconds


def scheduler_time(seconds: int) -> str:
    """``"D-HH:MM:SS"``, always with the day part (``"0-00:05:00"``): mle-scheduler's Resources
    and Slurm read it, and so does :func:`parse_duration`, so it cannot be misread later."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}"


def format_duration(seconds: int) -> str:
    """The limit as people read it: ``30h 0m`` (seconds shown only when there are any)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes}m" + (f" {secs}s" if secs else "")


def normalize_time_per_job(value: object) -> str:
    """``value`` read as above, returned as :func:`scheduler_time` (for defaults that do not
    pass through the schema, e.g. a user config)."""
    return scheduler_time(parse_duration(value))
