"""``param_search_args.pruner``: stop a search's running jobs early from their logged metric.

.. code-block:: yaml

    param_search_args:
      eval_score_type: val_loss
      pruner:
        type: asha              # or median
        metric: val_loss        # the logged stat to judge (default: eval_score_type)
        time_key: num_epochs    # the logged time column that counts budget (default: rows)
        min_resource: 1         # asha: rungs at min_resource * reduction_factor**k ...
        max_resource: 27        #       ... below max_resource
        reduction_factor: 3     # asha: keep the best 1/reduction_factor at each rung
        # rungs: [1, 3, 9]      # asha: the rung steps instead of min/max_resource
        # n_startup_trials: 5   # median: runs to compare with before stopping any
        # n_warmup_steps: 0     # median: steps before a run can be stopped

The metric's direction is ``maximize_objective``'s. Each seed's run is judged on its own.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

__all__ = ["PRUNER_KEYS", "PRUNER_TYPES", "check_pruner"]

PRUNER_TYPES = ("asha", "median")
#: key -> (what it must be, the pruner types that take it)
PRUNER_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "type": ("one of asha, median", PRUNER_TYPES),
    "metric": ("the name of a logged stat", PRUNER_TYPES),
    "time_key": ("the name of a logged time column", PRUNER_TYPES),
    "min_resource": ("a number > 0", ("asha",)),
    "max_resource": ("a number > min_resource", ("asha",)),
    "reduction_factor": ("an integer >= 2", ("asha",)),
    "rungs": ("a list of increasing numbers > 0", ("asha",)),
    "n_startup_trials": ("an integer >= 1", ("median",)),
    "n_warmup_steps": ("a number >= 0", ("median",)),
}
_DEFAULTS: dict[str, dict[str, Any]] = {
    "asha": {"min_resource": 1, "reduction_factor": 3},
    "median": {"n_startup_trials": 5, "n_warmup_steps": 0},
}

Problem = tuple[tuple[str, ...], str]


def _num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _bad(key: str, value: Any) -> bool:
    """True when ``value`` is not what ``key`` takes (the relations between keys aside)."""
    if key == "type":
        return value not in PRUNER_TYPES
    if key in ("metric", "time_key"):
        return not isinstance(value, str) or not value
    if key in ("min_resource", "max_resource"):
        return not _num(value) or value <= 0
    if key == "reduction_factor":
        return not _int(value) or value < 2
    if key == "n_startup_trials":
        return not _int(value) or value < 1
    if key == "n_warmup_steps":
        return not _num(value) or value < 0
    # rungs
    return (
        not isinstance(value, list)
        or not value
        or not all(_num(r) and r > 0 for r in value)
        or any(b <= a for a, b in itertools.pairwise(value))
    )


def _found(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def check_pruner(data: Any, *, eval_score_type: Any = None) -> tuple[dict[str, Any], list[Problem]]:
    """The section with its defaults filled in, and its problems as (key path below
    ``pruner``, ``"expected X, found Y"``); the section is only usable without problems.
    ``metric`` defaults to ``eval_score_type``; an asha pruner needs ``max_resource`` or
    ``rungs``."""
    if not isinstance(data, dict):
        return {}, [((), f"expected a mapping with a type (asha or median), found {_found(data)}")]
    problems: list[Problem] = []
    kind = data.get("type")
    if kind is None:
        problems.append((("type",), "expected one of asha, median, found nothing"))
    for key, value in data.items():
        if key not in PRUNER_KEYS:
            allowed = ", ".join(PRUNER_KEYS)
            problems.append(((str(key),), f"expected one of {allowed}, found unknown key {key!r}"))
        elif _bad(key, value):
            problems.append(((key,), f"expected {PRUNER_KEYS[key][0]}, found {_found(value)}"))
        elif kind in PRUNER_TYPES and kind not in PRUNER_KEYS[key][1]:
            problems.append(((key,), f"expected no {key} for a {kind} pruner, found {value!r}"))
    out = {**_DEFAULTS.get(str(kind), {}), **data}
    out.setdefault("metric", eval_score_type)
    out.setdefault("time_key", None)
    if kind == "asha" and not problems:
        if "rungs" in data and ("max_resource" in data or "min_resource" in data):
            problems.append((("rungs",), "expected rungs or min/max_resource, found both"))
        elif "rungs" not in data and "max_resource" not in data:
            problems.append((("max_resource",), "expected max_resource (or rungs), found none"))
        elif "rungs" not in data and out["max_resource"] <= out["min_resource"]:
            problems.append(
                (
                    ("max_resource",),
                    f"expected a number > min_resource {out['min_resource']!r}, "
                    f"found {_found(out['max_resource'])}",
                )
            )
    if not isinstance(out["metric"], str):
        problems.append((("metric",), "expected the name of a logged stat, found nothing"))
    return out, problems
