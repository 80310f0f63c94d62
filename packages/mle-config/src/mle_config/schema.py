"""The experiment schema: which keys each section takes, their types, ranges and defaults.

Validation walks the (translated, see :mod:`mle_config.translate`) data once and collects every
problem (it never stops at the first), each as ``FILE:LINE: key.path: expected X, found Y``,
where the key path is the one the user wrote.
"""

from __future__ import annotations

import difflib
import itertools
import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .durations import DurationError, format_duration, parse_duration, scheduler_time
from .layout import plain_name_problem, reserved_in_experiment, reserved_in_run
from .loading import RawFile, type_name
from .plugins import BUILTIN_BACKENDS, available_backends, available_search_types
from .translate import MULTI_OBJECTIVE_SAMPLERS, MULTI_OBJECTIVE_TYPES, Translation

__all__ = [
    "ACQ_FUNCTIONS",
    "AGGREGATE_SEEDS",
    "BACKENDS",
    "BASE_ESTIMATORS",
    "JOB_TYPES",
    "OPTUNA_SAMPLERS",
    "PRIORS",
    "PROBLEM_TYPES",
    "SEARCH_TYPES",
    "Checked",
    "check_experiment",
    "module_command_available",
    "validate_experiment",
]

JOB_TYPES = ("single-experiment", "multiple-experiments", "multiple-folds", "hyperparameter-search")
BACKENDS = BUILTIN_BACKENDS  # the builtins; installed plug-ins are accepted as well
SEARCH_TYPES = ("grid", "random", "smbo", "coordinate", "optuna")
PROBLEM_TYPES = ("final", "best", "mean")
PRIORS = ("uniform", "log-uniform")
BASE_ESTIMATORS = ("GP", "RF", "ET", "GBRT")
ACQ_FUNCTIONS = ("LCB", "EI", "PI", "gp_hedge")
#: search_type optuna: optuna_config.sampler (mle_search.SAMPLERS)
OPTUNA_SAMPLERS = ("tpe", "cmaes", "gp", "qmc", "nsgaii", "random")
AGGREGATE_SEEDS = ("mean", "p10", "p25", "p50", "p75", "p90")
PARAM_KINDS = ("real", "integer", "categorical")
#: script arguments the toolbox passes itself; extra_cmd_line_input may not repeat them
OWN_ARGUMENTS = frozenset(
    {"config", "config_fname", "seed", "seed_id", "exp_dir", "experiment_dir"}
)
_INT_TEXT = re.compile(r"^\s*[-+]?\d+\s*$")
_FLAG_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")

KeyPath = tuple[str, ...]
Check = Callable[[Any], str | None]  # returns "expected ..." text when the value is wrong
Choices = tuple[str, ...] | Callable[[], tuple[str, ...]]


class _Bad(Exception):
    """A converter's refusal: the whole ``expected X, found Y`` text."""


@dataclass(frozen=True)
class Key:
    """One key of a section: accepted types, optional checks, default when absent.

    ``convert`` turns an accepted value into its canonical form (or raises ``_Bad``).
    """

    types: tuple[type, ...]
    expected: str
    required: bool = False
    default: Any = None
    check: Check | None = None
    choices: Choices | None = None
    convert: Callable[[Any], Any] | None = None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _min(n: int) -> Check:
    return lambda v: None if v >= n else f"an integer >= {n}"


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _str_list(v: Any) -> str | None:
    if isinstance(v, str):
        return None
    if all(isinstance(x, str) for x in v):
        return None
    return "a string or a list of strings"


def _nodes(v: Any) -> str | None:
    items = [v] if isinstance(v, str) else list(v)
    if any(_is_int(x) for x in items):
        return (
            "host names (the original completed node numbers with a prefix and suffix from its "
            "own cluster config, which this toolbox does not have; write e.g. ['node14'])"
        )
    if not all(isinstance(x, str) and x and not _has_control(x) for x in items):
        return "a host name or a list of host names"
    return None


def _label(v: Any) -> str | None:
    if not v.strip():
        return "a non-empty name"
    if _has_control(v):
        return "a name without newlines or control characters"
    return None


def _run_file(v: Any) -> str | None:
    problem = plain_name_problem(v)
    if problem:
        return problem
    if reserved_in_run(v):
        return "a file name the run folder does not use already (logs, job-status.json, ...)"
    return None


def _hyper_log(v: Any) -> str | None:
    problem = plain_name_problem(v)
    if problem:
        return problem
    if reserved_in_experiment(v):
        return (
            "a file name the experiment folder does not use already (jobs.jsonl, results.json, ...)"
        )
    return None


def _time(v: Any) -> str:
    try:
        return scheduler_time(parse_duration(v))
    except DurationError as err:
        raise _Bad(str(err)) from None


def _nonempty_str_list(v: Any) -> str | None:
    if not v:
        return "a non-empty list of file names"
    if not all(isinstance(x, str) for x in v):
        return "a list of file names (strings)"
    return None


def _metrics(v: Any) -> str | None:
    if len(v) < 2 or not all(isinstance(m, str) and m for m in v):
        return "a list of at least two metric names"
    return None


def _objectives(v: Any) -> str | None:
    if len(v) < 2 or not all(
        isinstance(k, str) and k and isinstance(m, bool) for k, m in v.items()
    ):
        return "a mapping of at least two metric names to true (maximize) / false (minimize)"
    return None


def _seed_list(v: Any) -> str | None:
    if not v or not all(_is_int(s) and s >= 0 for s in v) or len(set(v)) != len(v):
        return "a non-empty list of distinct integers >= 0"
    return None


def _cmd_line(v: Any) -> str | None:
    for key, value in v.items():
        if not isinstance(key, str) or not _FLAG_NAME.match(key):
            return "a mapping of argument names (letters, digits, _ . -) to values"
        if key in OWN_ARGUMENTS:
            return f"argument names other than the toolbox's own -{key}"
        if not isinstance(value, (str, int, float, bool)) or (
            isinstance(value, str) and _has_control(value)
        ):
            return f"a single-line string, number or boolean for {key!r}"
    return None


STR = (str,)
INT = (int,)
NUM = (int, float)
BOOL = (bool,)
LIST = (list, tuple)
DICT = (dict,)

_JOB_KEYS: dict[str, Key] = {
    "job_name": Key(STR, "a string", check=_label),
    "num_logical_cores": Key(INT, "an integer >= 1", default=1, check=_min(1)),
    "num_gpus": Key(INT, "an integer >= 0", default=0, check=_min(0)),
    "gpu_type": Key(STR, "a string"),
    "memory_per_job": Key(INT, "memory in MB, an integer >= 1", check=_min(1)),
    "time_per_job": Key(
        (str, int, float), '"DD:HH:MM", "D-HH:MM:SS" or "90m"-style units', convert=_time
    ),
    "partition": Key(STR, "a string"),
    "queue": Key(STR, "a string"),
    "exclude_nodes": Key((str, list, tuple), "a string or a list", check=_nodes),
    "log_file": Key(STR, "a file name", default="log", check=_run_file),
    "err_file": Key(STR, "a file name", default="err", check=_run_file),
    "env_name": Key(STR, "a conda environment name"),
    "use_conda_venv": Key(BOOL, "true or false"),
    "venv_path": Key(STR, "a path to a virtual environment"),
    "modules_to_load": Key((str, list, tuple), "a string or a list", check=_str_list),
    "extra_flags": Key((str, list, tuple), "a string or a list", check=_str_list),
    "extra_cmd_line_input": Key(DICT, "a mapping of extra script arguments", check=_cmd_line),
}

SECTIONS: dict[str, dict[str, Key]] = {
    "meta_job_args": {
        "project_name": Key(STR, "a string", default="experiment", check=_label),
        "job_type": Key(STR, "a job type", required=True, choices=JOB_TYPES),
        "base_train_fname": Key(STR, "a path to the training script", required=True),
        "base_train_config": Key(STR, "a path to a .json or .yaml training config"),
        "experiment_dir": Key(STR, "a folder path", default="experiments/"),
        "backend": Key(STR, "a backend", choices=available_backends),
        "max_running_jobs": Key(INT, "an integer >= 1", check=_min(1)),
        "max_retries": Key(INT, "an integer >= 0", default=0, check=_min(0)),
        "python": Key(STR, "a Python interpreter to run the script with"),
        "report_generation": Key(BOOL, "true or false"),
        "remote_exec_dir": Key(STR, "a folder path (recorded only)"),
    },
    "single_experiment_args": {
        "seed_id": Key(INT, "an integer >= 0", default=0, check=_min(0)),
    },
    "multi_experiment_args": {
        "config_fnames": Key(LIST, "a list of training config files", check=_nonempty_str_list),
        "num_seeds": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_folds": Key(INT, "an integer >= 2", check=_min(2)),
        "random_seeds": Key(LIST, "a list of seeds", check=_seed_list),
    },
    "param_search_args": {
        "search_type": Key(STR, "a search type", required=True, choices=available_search_types),
        "hyperlog_fname": Key(STR, "a file name", default="hyper_log.jsonl", check=_hyper_log),
        "reload_log": Key(BOOL, "true or false", default=False),
        # run a trial's seeds one at a time; stop adding seeds once it cannot be the best
        "race_seeds": Key(BOOL, "true or false", default=False),
        "verbose_logging": Key(BOOL, "true or false", default=False),
        "maximize_objective": Key(BOOL, "true or false", default=False),
        "problem_type": Key(STR, "a problem type", default="final", choices=PROBLEM_TYPES),
        "eval_score_type": Key(STR, "the name of a logged stat", required=True),
        "eval_metrics": Key(LIST, "a list of logged stats", check=_metrics),
        "objectives": Key(DICT, "a mapping of metric names to maximize", check=_objectives),
        "pruner": Key(DICT, "a mapping: type (asha or median), metric, time_key, ..."),
        "aggregate_seeds": Key(STR, "a seed aggregation", choices=AGGREGATE_SEEDS),
        "num_search_batches": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_iter_per_batch": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "num_evals_per_iter": Key(INT, "an integer >= 1", default=1, check=_min(1)),
        "random_seeds": Key(LIST, "a list of seeds", check=_seed_list),
        "random_seed": Key(INT, "an integer", default=0),
        "params_to_search": Key(DICT, "a mapping of real / integer / categorical", required=True),
        "smbo_config": Key(DICT, "a mapping"),
        "random_config": Key(DICT, "a mapping"),
        "coordinate_config": Key(DICT, "a mapping"),
        "optuna_config": Key(DICT, "a mapping"),
    },
    "single_job_args": _JOB_KEYS,
    "pre_processing_args": {
        "processing_fname": Key(STR, "a path to the processing script", required=True),
        "processing_job_args": Key(DICT, "a mapping of job resources"),
        "extra_cmd_line_input": Key(DICT, "a mapping of extra script arguments", check=_cmd_line),
    },
}
SECTIONS["post_processing_args"] = SECTIONS["pre_processing_args"]


def _refine_after(v: Any) -> str | None:
    counts = list(v) if isinstance(v, (list, tuple)) else [v]
    if (
        not counts
        or not all(_is_int(c) and c >= 1 for c in counts)
        or any(b <= a for a, b in itertools.pairwise(counts))
    ):
        return "an integer >= 1 or an increasing list of integers >= 1"
    return None


#: the original mle-hyperopt's search-space refinement (random and smbo searches); absent: none
REFINE_KEYS: dict[str, Key] = {
    "refine_after": Key(
        (int, list, tuple), "an integer >= 1 or an increasing list of them", check=_refine_after
    ),
    "refine_top_k": Key(INT, "an integer >= 2", check=_min(2)),
}
SMBO_KEYS: dict[str, Key] = {
    "base_estimator": Key(STR, "an estimator", default="GP", choices=BASE_ESTIMATORS),
    "acq_function": Key(STR, "an acquisition function", default="gp_hedge", choices=ACQ_FUNCTIONS),
    "n_initial_points": Key(INT, "an integer >= 1", default=10, check=_min(1)),
    **REFINE_KEYS,
}
OPTUNA_KEYS: dict[str, Key] = {
    "sampler": Key(STR, "an Optuna sampler", default="tpe", choices=OPTUNA_SAMPLERS),
    "sampler_kwargs": Key(DICT, "a mapping of the sampler's own options"),
}
COORDINATE_KEYS: dict[str, Key] = {
    "order": Key(LIST, "a list of parameter names", check=_nonempty_str_list),
    "num_rounds": Key(INT, "an integer >= 1", check=_min(1)),
    "start": Key(DICT, "a mapping of parameter names to start values"),
    "resolution": Key(INT, "an integer >= 2", check=_min(2)),
}
REQUIRED_SECTIONS = {
    "single-experiment": ("single_job_args",),
    "multiple-experiments": ("multi_experiment_args",),
    "multiple-folds": ("multi_experiment_args",),
    "hyperparameter-search": ("param_search_args",),
}


def module_command_available() -> bool:
    """Whether a job's bash can run ``module load`` here: a ``module`` program on PATH, or the
    shell function environment-modules / Lmod export (``BASH_FUNC_module%%``)."""
    return shutil.which("module") is not None or any(
        k.startswith("BASH_FUNC_module") for k in os.environ
    )


class _Problems:
    def __init__(
        self, raw: RawFile, overridden: set[KeyPath], aliases: dict[KeyPath, KeyPath]
    ) -> None:
        self.raw = raw
        self.overridden = overridden
        self.aliases = aliases
        self.items: list[str] = []
        self.translations: list[Translation] = []

    def written(self, path: KeyPath) -> KeyPath:
        """The key path as the user wrote it (before translation)."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.aliases:
                return self.aliases[path[:n]] + path[n:]
        return path

    def add(self, path: KeyPath, message: str) -> None:
        path = self.written(path)
        where = self.raw.where(path)
        for kp in self.overridden:
            if path[: len(kp)] == kp:
                where = f"{self.raw.path} (override -o {'.'.join(kp)})"
        self.items.append(f"{where}: {'.'.join(path) or '(top level)'}: {message}")

    def translated(self, path: KeyPath, old: Any, new: Any, note: str = "") -> None:
        """``old`` at ``path`` is read as ``new`` (same key, another value)."""
        written = ".".join(self.written(path))
        self.translations.append(Translation(f"{written}: {old!r}", repr(new), note))


def _found(value: Any) -> str:
    text = repr(value) if isinstance(value, (str, int, float, bool)) else type_name(value)
    return f"{type_name(value)} {text}" if isinstance(value, (int, float, str)) else text


def _unknown(problems: _Problems, path: KeyPath, key: str, allowed: list[str]) -> None:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    problems.add(
        (*path, key), f"expected one of {', '.join(allowed)}, found unknown key {key!r}{hint}"
    )


def _number(text: str, integer: bool) -> int | float | None:
    """``text`` as a number when it is one (``"1e-5"``, ``"3"``), else None."""
    if integer:
        return int(text) if _INT_TEXT.match(text) else None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _coerce(problems: _Problems, path: KeyPath, value: Any, integer: bool) -> Any:
    """A numeric string where a number is expected becomes the number (recorded)."""
    if isinstance(value, str):
        number = _number(value, integer)
        if number is not None:
            problems.translated(path, value, number, "a number written as a string")
            return number
    return value


def _check_value(problems: _Problems, path: KeyPath, spec: Key, value: Any) -> tuple[bool, Any]:
    if spec.types in (INT, NUM):
        value = _coerce(problems, path, value, spec.types == INT)
    types_ok = isinstance(value, spec.types) and not (
        isinstance(value, bool) and bool not in spec.types
    )
    if spec.types == INT and not _is_int(value):
        types_ok = False
    if not types_ok:
        problems.add(path, f"expected {spec.expected}, found {_found(value)}")
        return False, value
    choices = spec.choices() if callable(spec.choices) else spec.choices
    if choices is not None and value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.add(path, f"expected one of {', '.join(choices)}, found {value!r}{hint}")
        return False, value
    if spec.check is not None:
        expected = spec.check(value)
        if expected:
            problems.add(path, f"expected {expected}, found {_found(value)}")
            return False, value
    if spec.convert is not None:
        try:
            converted = spec.convert(value)
        except _Bad as bad:
            problems.add(path, str(bad))
            return False, value
        if converted != value:
            note = ""
            if path[-1] == "time_per_job":
                note = f"{format_duration(parse_duration(converted))}; DD:HH:MM as the original"
            problems.translated(path, value, converted, note)
        value = converted
    return True, value


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
            continue
        ok, value = _check_value(problems, (*path, key), keys[key], value)
        if ok:
            out[key] = value
        else:
            out.pop(key)
    for key, spec in keys.items():
        if key in data:
            continue
        if spec.required:
            problems.add((*path, key), f"expected {spec.expected}, found nothing (key is missing)")
        elif spec.default is not None:
            out[key] = spec.default
    return out


def _check_range(
    problems: _Problems, path: KeyPath, kind: str, given: Any, grid: bool
) -> dict[str, Any]:
    if not isinstance(given, dict):
        problems.add(path, f"expected a mapping with begin and end, found {_found(given)}")
        return {}
    spec: dict[str, Any] = dict(given)
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
            continue
        spec[key] = _coerce(problems, (*path, key), spec[key], kind == "integer")
        if not is_ok(spec[key]) or (kind == "real" and not math.isfinite(spec[key])):
            problems.add((*path, key), f"expected {what}, found {_found(spec[key])}")
        else:
            bounds[key] = spec[key]
    if len(bounds) == 2 and bounds["begin"] > bounds["end"]:
        problems.add(
            (*path, "begin"),
            f"expected begin <= end, found begin {bounds['begin']!r} above end {bounds['end']!r}",
        )
    if "bins" in spec:
        spec["bins"] = _coerce(problems, (*path, "bins"), spec["bins"], True)
        if not _is_int(spec["bins"]) or spec["bins"] < 1:
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
    if grid and kind == "real" and "bins" not in spec:
        problems.add(
            (*path, "bins"),
            "expected bins (the number of grid points) for a grid search, found nothing",
        )
    return spec


def _check_categorical(problems: _Problems, path: KeyPath, spec: Any) -> None:
    if not isinstance(spec, list) or not spec:
        problems.add(path, f"expected a non-empty list of values, found {_found(spec)}")
        return
    seen: list[Any] = []
    for i, value in enumerate(spec):
        if value is not None and not isinstance(value, (str, int, float, bool)):
            problems.add(
                (*path, str(i)),
                f"expected a string, number, boolean or null, found {_found(value)}",
            )
            continue
        twin = next((s for s in seen if s == value), None)  # 1 == True == 1.0 in Python
        if any(s == value for s in seen):
            problems.add(
                (*path, str(i)),
                f"expected distinct values ({twin!r} and {value!r} compare equal), found both",
            )
        seen.append(value)


def _check_params(
    problems: _Problems, path: KeyPath, params: dict[str, Any], grid: bool
) -> dict[str, Any]:
    if not params:
        problems.add(path, "expected at least one parameter to search, found an empty mapping")
    names: set[str] = set()
    out: dict[str, Any] = {}
    for kind, entries in params.items():
        out[kind] = entries
        if kind not in PARAM_KINDS:
            _unknown(problems, path, str(kind), list(PARAM_KINDS))
            continue
        if not isinstance(entries, dict) or not entries:
            problems.add(
                (*path, kind), f"expected a mapping of parameter names, found {_found(entries)}"
            )
            continue
        checked: dict[str, Any] = {}
        for name, spec in entries.items():
            ppath = (*path, kind, str(name))
            if name in names:
                problems.add(ppath, "expected each parameter once, found it under two kinds")
            names.add(name)
            if kind == "categorical":
                _check_categorical(problems, ppath, spec)
                checked[name] = spec
            else:
                checked[name] = _check_range(problems, ppath, kind, spec, grid)
        out[kind] = checked
    return out


def _check_search(problems: _Problems, search: dict[str, Any]) -> None:
    path: KeyPath = ("param_search_args",)
    params = search.get("params_to_search")
    stype = search.get("search_type")
    if isinstance(params, dict):
        search["params_to_search"] = _check_params(
            problems, (*path, "params_to_search"), params, stype == "grid"
        )
    if "smbo_config" in search or stype == "smbo":
        search["smbo_config"] = _check_section(
            problems, (*path, "smbo_config"), search.get("smbo_config", {}), SMBO_KEYS
        )
    if "random_config" in search:
        search["random_config"] = _check_section(
            problems, (*path, "random_config"), search["random_config"], REFINE_KEYS
        )
    if "optuna_config" in search or stype == "optuna":
        search["optuna_config"] = _check_section(
            problems, (*path, "optuna_config"), search.get("optuna_config", {}), OPTUNA_KEYS
        )
    if "coordinate_config" in search:
        search["coordinate_config"] = _check_section(
            problems, (*path, "coordinate_config"), search["coordinate_config"], COORDINATE_KEYS
        )
    metrics = search.get("eval_metrics")
    if isinstance(metrics, list) and search.get("eval_score_type") not in metrics:
        problems.add(
            (*path, "eval_metrics"),
            f"expected eval_score_type {search.get('eval_score_type')!r} among the metrics, "
            f"found {metrics}",
        )
    if "pruner" in search:
        from .pruning import check_pruner

        search["pruner"], found = check_pruner(
            search["pruner"], eval_score_type=search.get("eval_score_type")
        )
        for sub, message in found:
            problems.add((*path, "pruner", *sub), message)
    _check_objectives(problems, search)
    seeds = search.get("random_seeds")
    if isinstance(seeds, list) and len(seeds) != search.get("num_evals_per_iter"):
        problems.add(
            (*path, "random_seeds"),
            f"expected {search.get('num_evals_per_iter')} seeds (num_evals_per_iter), "
            f"found {len(seeds)}",
        )


#: search types mle-search ships that search one objective only (a plug-in decides itself)
_SINGLE_OBJECTIVE_TYPES = ("smbo", "coordinate", "successive_halving", "hyperband", "asha", "pbt")


def _check_objectives(problems: _Problems, search: dict[str, Any]) -> None:
    """Several objectives: only strategies that search them all at once may run them."""
    path: KeyPath = ("param_search_args",)
    objectives = search.get("objectives")
    if not isinstance(objectives, dict) or len(objectives) < 2:
        return
    first = next(iter(objectives))
    if search.get("eval_score_type") != first:
        problems.add(
            (*path, "eval_score_type"),
            f"expected the first objective {first!r}, found {search.get('eval_score_type')!r}",
        )
    stype = search.get("search_type")
    optuna = search.get("optuna_config")
    sampler = optuna.get("sampler", "tpe") if isinstance(optuna, dict) else "tpe"
    names = ", ".join(objectives)
    hint = (
        f"{', '.join(t for t in MULTI_OBJECTIVE_TYPES if t != 'optuna')} or optuna with "
        f"sampler {', '.join(MULTI_OBJECTIVE_SAMPLERS)}"
    )
    if stype in _SINGLE_OBJECTIVE_TYPES:
        problems.add(
            (*path, "objectives"),
            f"expected one objective for search_type {stype!r} (several run with {hint}), "
            f"found {len(objectives)}: {names}",
        )
    elif any(
        isinstance(c := search.get(f"{t}_config"), dict) and c.get("refine_after") is not None
        for t in ("random", "smbo")
    ):
        problems.add(
            (*path, f"{stype}_config", "refine_after"),
            f"expected no refine_after in a search of several objectives (a refinement keeps "
            f"the top-k results by one score), found {len(objectives)} objectives: {names}",
        )
    elif "pruner" in search:
        problems.add(
            (*path, "pruner"),
            f"expected no pruner in a search of several objectives (a pruner ranks runs by one "
            f"metric), found one with {len(objectives)} objectives: {names}",
        )
    elif stype == "optuna" and sampler not in MULTI_OBJECTIVE_SAMPLERS:
        problems.add(
            (*path, "objectives"),
            f"expected one objective for optuna_config.sampler {sampler!r} (several run with "
            f"{', '.join(MULTI_OBJECTIVE_SAMPLERS)}), found {len(objectives)}: {names}",
        )


def _plugin_options(problems: _Problems, raw_search: dict[str, Any]) -> set[str]:
    """``<type>_config`` keys: options of a plug-in strategy (checked by the strategy itself);
    the builtins grid and random take none."""
    allowed: set[str] = set()
    for key, value in raw_search.items():
        if not (isinstance(key, str) and key.endswith("_config")):
            continue
        stype = key[: -len("_config")]
        if key in SECTIONS["param_search_args"]:
            continue
        if stype == "grid":
            if isinstance(value, dict) and value:
                first = next(iter(value))
                problems.add(
                    ("param_search_args", key, str(first)),
                    f"expected no options for a {stype} search, found {first!r}",
                )
            allowed.add(key)
        elif stype in available_search_types() and raw_search.get("search_type") == stype:
            if not isinstance(value, dict):
                problems.add(
                    ("param_search_args", key), f"expected a mapping, found {_found(value)}"
                )
            allowed.add(key)
    return allowed


def _check_job_args(
    problems: _Problems, path: KeyPath, data: Any, backend: str | None
) -> dict[str, Any]:
    nodes = data.get("exclude_nodes") if isinstance(data, dict) else None
    if backend == "local" and isinstance(nodes, list) and any(_is_int(n) for n in nodes):
        data = {k: v for k, v in data.items() if k != "exclude_nodes"}
        problems.translations.append(
            Translation(
                f"{'.'.join(problems.written((*path, 'exclude_nodes')))}: {nodes!r}",
                "",
                "node numbers of the original's cluster config; no nodes to exclude locally",
            )
        )
    out = _check_section(problems, path, data, _JOB_KEYS)
    if backend == "local" and out.get("modules_to_load") and not module_command_available():
        problems.add(
            (*path, "modules_to_load"),
            "expected a 'module' command for the local backend, found none on PATH "
            "(load the modules before `mle run`, or drop the key for local runs)",
        )
    return out


@dataclass
class Checked:
    """What validation found: the canonical data with defaults, problems (one line each), and
    the values it read differently from how they were written (numeric strings, durations)."""

    data: dict[str, Any]
    problems: list[str]
    translations: list[Translation]


def check_experiment(
    raw: RawFile,
    overridden: set[KeyPath] | None = None,
    *,
    data: dict[str, Any] | None = None,
    aliases: dict[KeyPath, KeyPath] | None = None,
    backend: str | None = None,
) -> Checked:
    """Check ``data`` (default: ``raw.data``) against the schema. ``aliases`` maps translated
    key paths back to the ones written; ``backend`` is the backend the caller resolved
    (``None``: ``meta_job_args.backend`` when set; the local-only checks need one)."""
    problems = _Problems(raw, overridden or set(), aliases or {})
    out, items = _validate(problems, raw.data if data is None else data, backend)
    return Checked(out, items, problems.translations)


def validate_experiment(
    raw: RawFile, overridden: set[KeyPath] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Check ``raw.data`` as written; return (data with defaults, problems)."""
    checked = check_experiment(raw, overridden)
    return checked.data, checked.problems


def _validate(
    problems: _Problems, source: dict[str, Any], backend: str | None
) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    for section, value in source.items():
        if section not in SECTIONS:
            _unknown(problems, (), str(section), list(SECTIONS))
            continue
        if section in ("single_job_args", "pre_processing_args", "post_processing_args"):
            continue
        if section == "param_search_args" and isinstance(value, dict):
            plugin_keys = _plugin_options(problems, value)
            keys = dict(SECTIONS[section])
            keys.update({k: Key(DICT, "a mapping") for k in plugin_keys})
            out[section] = _check_section(problems, (section,), value, keys)
            continue
        out[section] = _check_section(problems, (section,), value, SECTIONS[section])
    if "meta_job_args" not in source:
        problems.add(("meta_job_args",), "expected a mapping, found nothing (section is missing)")
        return out, problems.items
    meta = out.get("meta_job_args", {})
    backend = backend or meta.get("backend")
    out["single_job_args"] = _check_job_args(
        problems, ("single_job_args",), source.get("single_job_args", {}), backend
    )
    for section in ("pre_processing_args", "post_processing_args"):
        if section not in source:
            continue
        block = _check_section(problems, (section,), source[section], SECTIONS[section])
        if isinstance(block.get("processing_job_args"), dict):
            block["processing_job_args"] = _check_job_args(
                problems, (section, "processing_job_args"), block["processing_job_args"], backend
            )
        out[section] = block
    job_type = meta.get("job_type")
    for section in REQUIRED_SECTIONS.get(job_type, ()):
        if section not in source and section != "single_job_args":
            problems.add((section,), f"expected a mapping for job_type {job_type!r}, found nothing")
    multi = out.get("multi_experiment_args")
    if (
        job_type in ("single-experiment", "hyperparameter-search")
        and "base_train_config" not in meta
    ):
        problems.add(
            ("meta_job_args", "base_train_config"),
            f"expected a training config for job_type {job_type!r}, found nothing",
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
            "expected a list of training configs (or meta_job_args.base_train_config), "
            "found nothing",
        )
    if job_type == "multiple-folds" and isinstance(multi, dict) and "num_folds" not in multi:
        problems.add(
            ("multi_experiment_args", "num_folds"),
            "expected an integer >= 2 for job_type 'multiple-folds', found nothing",
        )
    seeds = multi.get("random_seeds") if isinstance(multi, dict) else None
    if isinstance(multi, dict) and isinstance(seeds, list) and len(seeds) != multi.get("num_seeds"):
        problems.add(
            ("multi_experiment_args", "random_seeds"),
            f"expected {multi.get('num_seeds')} seeds (num_seeds), found {len(seeds)}",
        )
    search = out.get("param_search_args")
    if job_type == "hyperparameter-search" and isinstance(search, dict):
        _check_search(problems, search)
    return out, problems.items
