"""The experiment schema: which keys each section takes, their types, ranges and defaults.

Validation walks the data once and collects every problem (it never stops at the first), each
as ``FILE:LINE: key.path: expected X, found Y``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .loading import RawFile, type_name

__all__ = [
    "ACQ_FUNCTIONS",
    "BACKENDS",
    "BASE_ESTIMATORS",
    "JOB_TYPES",
    "PRIORS",
    "PROBLEM_TYPES",
    "SEARCH_TYPES",
    "validate_experiment",
]

JOB_TYPES = ("single-experiment", "multiple-experiments", "multiple-folds", "hyperparameter-search")
BACKENDS = ("local", "sge", "slurm")
SEARCH_TYPES = ("grid", "random", "smbo", "coordinate")
PROBLEM_TYPES = ("final", "best", "mean")
PRIORS = ("uniform", "log-uniform")
BASE_ESTIMATORS = ("GP", "RF", "ET", "GBRT")
ACQ_FUNCTIONS = ("LCB", "EI", "PI", "gp_hedge")
PARAM_KINDS = ("real", "integer", "categorical")
_TIME_RE = re.compile(r"^(\d+-)?\d{1,3}:[0-5]\d:[0-5]\d$")

KeyPath = tuple[str, ...]
Check = Callable[[Any], str | None]  # returns "expected ..." text when the value is wrong


@dataclass(frozen=True)
class Key:
    """One key of a section: accepted types, optional extra check, default when absent."""

    types: tuple[type, ...]
    expected: str
    required: bool = False
    default: Any = None
    check: Check | None = None
    choices: tuple[str, ...] | None = None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _min(n: int) -> Check:
    return lambda v: None if v >= n else f"an integer >= {n}"


def _str_list(v: Any) -> str | None:
    if isinstance(v, str):
        return None
    if all(isinstance(x, str) for x in v):
        return None
    return "a string or a list of strings"


def _time(v: Any) -> str | None:
    return None if _TIME_RE.match(v) else 'a duration "HH:MM:SS" or "D-HH:MM:SS"'


def _nonempty_str_list(v: Any) -> str | None:
    if not v:
        return "a non-empty list of file names"
    if not all(isinstance(x, str) for x in v):
        return "a list of file names (strings)"
    return None


STR = (str,)
INT = (int,)
BOOL = (bool,)
LIST = (list, tuple)
DICT = (dict,)

SECTIONS: dict[str, dict[str, Key]] = {
    "meta_job_args": {
        "project_name": Key(STR, "a string", default="experiment"),
        "job_type": Key(STR, "a job type", required=True, choices=JOB_TYPES),
        "base_train_fname": Key(STR, "a path to the training script", required=True),
        "base_train_config": Key(STR, "a path to a .json training config"),
        "experiment_dir": Key(STR, "a folder path", default="experiments/"),
        "backend": Key(STR, "a backend", choices=BACKENDS),
        "max_running_jobs": Key(INT, "an integer >= 1", check=_min(1)),
        "max_retries": Key(INT, "an integer >= 0", default=0, check=_min(0)),
        "python": Key(STR, "a Python interpreter to run the script with"),
    },
    "single_experiment_args": {
        "seed_id": Key(INT, "an integer >= 0", default=0, check=_min(0)),
    },
    "multi_experiment_args": {
        "config_fnames": Key(LIST, "a list of .json file names", check=_nonempty_str_list),
        "num_seeds": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_folds": Key(INT, "an integer >= 2", check=_min(2)),
    },
    "param_search_args": {
        "search_type": Key(STR, "a search type", required=True, choices=SEARCH_TYPES),
        "hyperlog_fname": Key(STR, "a file name", default="hyper_log.jsonl"),
        "reload_log": Key(BOOL, "true or false", default=False),
        "verbose_logging": Key(BOOL, "true or false", default=False),
        "maximize_objective": Key(BOOL, "true or false", default=False),
        "problem_type": Key(STR, "a problem type", default="final", choices=PROBLEM_TYPES),
        "eval_score_type": Key(STR, "the name of a logged stat", required=True),
        "num_search_batches": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_iter_per_batch": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_evals_per_iter": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "random_seed": Key(INT, "an integer", default=0),
        "params_to_search": Key(DICT, "a mapping of real / integer / categorical", required=True),
        "smbo_config": Key(DICT, "a mapping"),
        "coordinate_config": Key(DICT, "a mapping"),
    },
    "single_job_args": {
        "job_name": Key(STR, "a string"),
        "num_logical_cores": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_gpus": Key(INT, "an integer >= 0", default=0, check=_min(0)),
        "gpu_type": Key(STR, "a string"),
        "memory_per_job": Key(INT, "memory in MB, an integer >= 1", check=_min(1)),
        "time_per_job": Key(STR, 'a duration "HH:MM:SS" or "D-HH:MM:SS"', check=_time),
        "partition": Key(STR, "a string"),
        "queue": Key(STR, "a string"),
        "exclude_nodes": Key((str, list, tuple), "a string or a list", check=_str_list),
        "log_file": Key(STR, "a file name", default="log"),
        "err_file": Key(STR, "a file name", default="err"),
        "env_name": Key(STR, "a conda environment name"),
        "use_conda_venv": Key(BOOL, "true or false"),
        "venv_path": Key(STR, "a path to a virtual environment"),
        "modules_to_load": Key((str, list, tuple), "a string or a list", check=_str_list),
        "extra_flags": Key((str, list, tuple), "a string or a list", check=_str_list),
    },
}

SMBO_KEYS: dict[str, Key] = {
    "base_estimator": Key(STR, "an estimator", default="GP", choices=BASE_ESTIMATORS),
    "acq_function": Key(STR, "an acquisition function", default="gp_hedge", choices=ACQ_FUNCTIONS),
    "n_initial_points": Key(INT, "an integer >= 1", default=10, check=_min(1)),
}
COORDINATE_KEYS: dict[str, Key] = {
    "order": Key(LIST, "a list of parameter names", check=_nonempty_str_list),
    "num_rounds": Key(INT, "an integer >= 1", check=_min(1)),
}
REQUIRED_SECTIONS = {
    "single-experiment": ("single_job_args",),
    "multiple-experiments": ("multi_experiment_args",),
    "multiple-folds": ("multi_experiment_args",),
    "hyperparameter-search": ("param_search_args",),
}


class _Problems:
    def __init__(self, raw: RawFile, overridden: set[KeyPath]) -> None:
        self.raw = raw
        self.overridden = overridden
        self.items: list[str] = []

    def add(self, path: KeyPath, message: str) -> None:
        where = self.raw.where(path)
        for kp in self.overridden:
            if path[: len(kp)] == kp:
                where = f"{self.raw.path} (override -o {'.'.join(kp)})"
        self.items.append(f"{where}: {'.'.join(path) or '(top level)'}: {message}")


def _found(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool)) else type_name(value)
    return f"{type_name(value)} {text}" if isinstance(value, (int, float, str)) else text


def _unknown(problems: _Problems, path: KeyPath, key: str, allowed: list[str]) -> None:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    problems.add(
        (*path, key), f"expected one of {', '.join(allowed)}, found unknown key {key!r}{hint}"
    )


def _check_value(problems: _Problems, path: KeyPath, spec: Key, value: Any) -> bool:
    types_ok = isinstance(value, spec.types) and not (
        isinstance(value, bool) and bool not in spec.types
    )
    if spec.types == INT and not _is_int(value):
        types_ok = False
    if not types_ok:
        problems.add(path, f"expected {spec.expected}, found {_found(value)}")
        return False
    if spec.choices is not None and value not in spec.choices:
        close = difflib.get_close_matches(str(value), spec.choices, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.add(path, f"expected one of {', '.join(spec.choices)}, found {value!r}{hint}")
        return False
    if spec.check is not None:
        expected = spec.check(value)
        if expected:
            problems.add(path, f"expected {expected}, found {_found(value)}")
            return False
    return True


def _check_section(
    problems: _Problems, path: KeyPath, data: Any, keys: dict[str, Key]
) -> dict[str, Any]:
    """Check one mapping against ``keys``; return it with defaults filled in."""
    if not isinstance(data, dict):
        problems.add(path, f"expected a mapping, found {_found(data)}")
        return {}
    out = dict(data)
    for key, value in data.items():
        if key not in keys:
            _unknown(problems, path, str(key), list(keys))
        elif not _check_value(problems, (*path, key), keys[key], value):
            out.pop(key)
    for key, spec in keys.items():
        if key in data:
            continue
        if spec.required:
            problems.add((*path, key), f"expected {spec.expected}, found nothing (key is missing)")
        elif spec.default is not None:
            out[key] = spec.default
    return out


def _check_range(problems: _Problems, path: KeyPath, kind: str, spec: Any, grid: bool) -> None:
    if not isinstance(spec, dict):
        problems.add(path, f"expected a mapping with begin and end, found {_found(spec)}")
        return
    allowed = ["begin", "end", "bins", "prior"]
    for key in spec:
        if key not in allowed:
            _unknown(problems, path, str(key), allowed)
    is_ok = _is_num if kind == "real" else _is_int
    what = "a number" if kind == "real" else "an integer"
    bounds = {}
    for key in ("begin", "end"):
        if key not in spec:
            problems.add((*path, key), f"expected {what}, found nothing (key is missing)")
        elif not is_ok(spec[key]):
            problems.add((*path, key), f"expected {what}, found {_found(spec[key])}")
        else:
            bounds[key] = spec[key]
    if len(bounds) == 2 and bounds["begin"] > bounds["end"]:
        problems.add(
            (*path, "begin"),
            f"expected begin <= end, found begin {bounds['begin']!r} above end {bounds['end']!r}",
        )
    if "bins" in spec and (not _is_int(spec["bins"]) or spec["bins"] < 1):
        problems.add((*path, "bins"), f"expected an integer >= 1, found {_found(spec['bins'])}")
    if "prior" in spec:
        prior = spec["prior"]
        if prior not in PRIORS:
            close = difflib.get_close_matches(str(prior), PRIORS, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.add(
                (*path, "prior"), f"expected one of {', '.join(PRIORS)}, found {prior!r}{hint}"
            )
        elif prior == "log-uniform" and "begin" in bounds and bounds["begin"] <= 0:
            problems.add(
                (*path, "begin"),
                f"expected begin > 0 for a log-uniform prior, found {bounds['begin']!r}",
            )
    if "bins" in spec and "prior" in spec:
        problems.add(path, "expected either bins (a grid axis) or prior (a range), found both")
    if grid and kind == "real" and "bins" not in spec:
        problems.add(
            (*path, "bins"),
            "expected bins (the number of grid points) for a grid search, found nothing",
        )


def _check_params(problems: _Problems, path: KeyPath, params: dict[str, Any], grid: bool) -> None:
    if not params:
        problems.add(path, "expected at least one parameter to search, found an empty mapping")
    names: set[str] = set()
    for kind, entries in params.items():
        if kind not in PARAM_KINDS:
            _unknown(problems, path, str(kind), list(PARAM_KINDS))
            continue
        if not isinstance(entries, dict) or not entries:
            problems.add(
                (*path, kind), f"expected a mapping of parameter names, found {_found(entries)}"
            )
            continue
        for name, spec in entries.items():
            ppath = (*path, kind, str(name))
            if name in names:
                problems.add(ppath, "expected each parameter once, found it under two kinds")
            names.add(name)
            if kind == "categorical":
                if not isinstance(spec, list) or not spec:
                    problems.add(
                        ppath, f"expected a non-empty list of values, found {_found(spec)}"
                    )
            else:
                _check_range(problems, ppath, kind, spec, grid)


def validate_experiment(
    raw: RawFile, overridden: set[KeyPath] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Check ``raw`` against the schema; return (data with defaults, problems)."""
    problems = _Problems(raw, overridden or set())
    out: dict[str, Any] = {}
    for section, value in raw.data.items():
        if section not in SECTIONS:
            _unknown(problems, (), str(section), list(SECTIONS))
            continue
        out[section] = _check_section(problems, (section,), value, SECTIONS[section])
    if "meta_job_args" not in raw.data:
        problems.add(("meta_job_args",), "expected a mapping, found nothing (section is missing)")
        return out, problems.items
    job_type = out.get("meta_job_args", {}).get("job_type")
    for section in REQUIRED_SECTIONS.get(job_type, ()):
        if section not in raw.data and section != "single_job_args":
            problems.add((section,), f"expected a mapping for job_type {job_type!r}, found nothing")
    if "single_job_args" not in out:  # optional section: its defaults still apply
        out["single_job_args"] = _check_section(
            problems, ("single_job_args",), {}, SECTIONS["single_job_args"]
        )
    meta = out.get("meta_job_args", {})
    multi = out.get("multi_experiment_args")
    if (
        job_type in ("single-experiment", "hyperparameter-search")
        and "base_train_config" not in meta
    ):
        problems.add(
            ("meta_job_args", "base_train_config"),
            f"expected a .json training config for job_type {job_type!r}, found nothing",
        )
    is_multi = job_type in ("multiple-experiments", "multiple-folds") and isinstance(multi, dict)
    if (
        is_multi
        and isinstance(multi, dict)
        and "config_fnames" not in multi
        and "base_train_config" not in meta
    ):
        problems.add(
            ("multi_experiment_args", "config_fnames"),
            "expected a list of .json configs (or meta_job_args.base_train_config), found nothing",
        )
    if job_type == "multiple-folds" and isinstance(multi, dict) and "num_folds" not in multi:
        problems.add(
            ("multi_experiment_args", "num_folds"),
            "expected an integer >= 2 for job_type 'multiple-folds', found nothing",
        )
    search = out.get("param_search_args")
    if job_type == "hyperparameter-search" and isinstance(search, dict):
        params = search.get("params_to_search")
        if isinstance(params, dict):
            grid = search.get("search_type") == "grid"
            _check_params(problems, ("param_search_args", "params_to_search"), params, grid)
        if "smbo_config" in search or search.get("search_type") == "smbo":
            search["smbo_config"] = _check_section(
                problems,
                ("param_search_args", "smbo_config"),
                search.get("smbo_config", {}),
                SMBO_KEYS,
            )
        if "coordinate_config" in search:
            search["coordinate_config"] = _check_section(
                problems,
                ("param_search_args", "coordinate_config"),
                search["coordinate_config"],
                COORDINATE_KEYS,
            )
    return out, problems.items
