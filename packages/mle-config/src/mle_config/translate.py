"""One schema inside: the spellings of the original mle-toolbox's releases, translated on load.

:func:`translate` rewrites an experiment mapping as written (seed-era, v0.2.x, v0.3.x) into
today's canonical form and records every change as a :class:`Translation`, so ``mle run
--dry-run --verbose`` can show what was understood. What cannot be translated faithfully is
refused with one line that says why (and, for search types, which issue brings them).

Translation table (as written -> canonical; ``P`` is ``param_search_args``):

- ``meta_job_args.experiment_type`` -> ``meta_job_args.job_type``; values ``single-config`` ->
  ``single-experiment``, ``multiple-configs`` -> ``multiple-experiments``,
  ``iterative-search`` -> ``hyperparameter-search``
- ``meta_job_args.base_train_config: [one]`` -> ``meta_job_args.base_train_config: one``
- ``multi_config_args`` -> ``multi_experiment_args``
- ``random_seeds: [0, .., n-1]`` -> ``num_seeds`` / ``P.num_evals_per_iter: n`` (other seed
  lists are kept as ``random_seeds``, with the count set to their length)
- ``P.search_logging.reload_log`` -> ``P.reload_log``
- ``P.search_logging.verbose_log`` -> ``P.verbose_logging``
- ``P.search_logging.max_objective`` -> ``P.maximize_objective``
- ``P.search_logging.problem_type`` / ``aggregate_seeds`` -> ``P.problem_type`` /
  ``P.aggregate_seeds``
- ``P[.search_logging].eval_metrics: m`` or ``[m, ...]`` -> ``P.eval_score_type: m`` (the first,
  or ``metric_to_model``, drives the search as in the original; a list is kept in
  ``P.eval_metrics``, the others recorded only)
- ``P.search_resources.num_search_batches`` -> ``P.num_search_batches``
- ``P.search_resources.num_evals_per_batch`` -> ``P.num_iter_per_batch``
- ``P.search_resources.num_seeds_per_eval`` -> ``P.num_evals_per_iter``
- ``P.search_resources.num_total_evals: N`` -> ``P.num_search_batches`` x
  ``P.num_iter_per_batch`` = N (at most ``max_running_jobs`` open at a time)
- ``P.search_resources.max_running_jobs`` -> ``meta_job_args.max_running_jobs``
- ``P.search_resources.random_seeds`` -> ``P.random_seeds``
- ``P.search_config.search_type: Grid / Random / SMBO / Coordinate`` -> ``P.search_type:``
  the lower-case name; ``Hyperband / Halving / SuccessiveHalving / PBT`` -> ``hyperband /
  successive_halving / pbt``
- ``P.search_config.search_params`` -> ``P.params_to_search``
- ``P.search_config.smbo_config`` -> ``P.smbo_config``
- ``P.search_config.search_config`` -> ``P.<search_type>_config`` (``metric_to_model`` ->
  ``P.eval_score_type``; coordinate ``defaults`` -> ``start``)
- ``P.search_config.search_schedule`` -> dropped: the driver fills free workers as they free
- several objectives (multi-objective search) -> ``P.objectives: {name: maximize, ...}`` (in
  order; ``P.eval_score_type`` / ``P.maximize_objective`` keep the first one's name and
  direction): ``P.eval_score_type: [a, b]`` or ``[{name: a, direction: max}, ...]``, with
  ``P.maximize_objective`` one bool for all or one per objective; ``P.eval_metrics: [a, b]``
  with ``maximize_objective: [.., ..]`` (a list); and the original's Nevergrad searches, which
  told every metric of ``eval_metrics`` to the optimizer
- ``P.search_type: Nevergrad`` (not installable here) -> ``optuna`` with
  ``optuna_config.sampler: nsgaii`` for several objectives, ``cmaes`` for one with
  ``optimizer: CMA``, else ``tpe``; one warning names the mapping. ``nevergrad_config``
  ``optimizer`` / ``budget_size`` / ``num_workers`` are dropped (the budget is
  ``num_search_batches`` x ``num_iter_per_batch``, the workers ``max_running_jobs``)
- ``P.problem_type: rl`` -> ``mean`` (the same ranking for curves of equal length)
- ``P.no_results_logging: false`` -> dropped (``true`` is refused: a search needs scores)
- ``integer: {begin, end, spacing}`` (end excluded) -> ``{begin, end, bins}``, the same points
- ``real: {begin, end, bins}`` in a v0.2 grouped random search -> ``{begin, end, prior:
  uniform}`` (that release ignored bins there)
- ``single_job_args.memory_per_cpu`` -> ``memory_per_job`` (times ``num_logical_cores``)
- ``single_job_args.use_venv_venv: true`` -> ``venv_path: $WORKON_HOME/<env_name>``

Numeric strings where a number is expected and ``time_per_job`` (``"DD:HH:MM"``) are read by
the schema; both are recorded as translations too.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "REFUSED_JOB_KEYS",
    "REFUSED_SEARCH_TYPES",
    "Translated",
    "Translation",
    "extra_cmd_line_args",
    "translate",
]

KeyPath = tuple[str, ...]

#: search types of the original that other issues bring, lower-cased -> why refused
REFUSED_SEARCH_TYPES: dict[str, str] = {}
#: the original's spellings of the multi-fidelity searches, lower-cased -> canonical
_SEARCH_ALIASES = {
    "hyperband": "hyperband",
    "halving": "successive_halving",
    "successivehalving": "successive_halving",
    "successive-halving": "successive_halving",
    "successive_halving": "successive_halving",
    "pbt": "pbt",
}
_PBT_JOB = (
    "was the v0.3.0-v0.3.3 PBT job type; write "
    "param_search_args.search_config.search_type: PBT instead"
)
#: what a multi-objective search runs with (mle_search: strategies that search several
#: objectives; optuna's samplers mle_search.MULTI_OBJECTIVE_SAMPLERS)
MULTI_OBJECTIVE_TYPES = ("grid", "random", "optuna")
MULTI_OBJECTIVE_SAMPLERS = ("nsgaii", "tpe", "random", "qmc")
#: the original's nevergrad_config keys (all dropped: see the module docstring)
_NEVERGRAD_KEYS = ("optimizer", "budget_size", "num_workers")
_DIRECTIONS = {"max": True, "maximize": True, "min": False, "minimize": False}
_JOB_TYPE_SPELLINGS = {
    "single-config": "single-experiment",
    "multiple-configs": "multiple-experiments",
    "iterative-search": "hyperparameter-search",
}
_BUILTIN_SEARCH = ("grid", "random", "smbo", "coordinate", "optuna")
_LOGGING_KEYS = {
    "reload_log": "reload_log",
    "verbose_log": "verbose_logging",
    "max_objective": "maximize_objective",
    "problem_type": "problem_type",
    "aggregate_seeds": "aggregate_seeds",
    "eval_metrics": "eval_metrics",
    "no_results_logging": "no_results_logging",
}
_RESOURCE_KEYS = {
    "num_search_batches": "num_search_batches",
    "num_evals_per_batch": "num_iter_per_batch",
    "num_seeds_per_eval": "num_evals_per_iter",
    "random_seeds": "random_seeds",
}
#: single_job_args keys of the original that have no counterpart here, and why
REFUSED_JOB_KEYS: dict[str, str] = {
    "include_nodes": (
        "exclude_nodes only (mle-scheduler does not pin jobs to hosts); pass the scheduler's "
        "own flag in extra_flags, e.g. ['-l', 'h=node01'] (Grid Engine) or "
        "['--nodelist=node01'] (Slurm)"
    ),
    "time_between_launch": (
        "no launch delay (the queue starts jobs as slots free up; limit them with "
        "meta_job_args.max_running_jobs)"
    ),
    "use_tpus": "no TPU request (Google Cloud is not a backend here)",
}


@dataclass(frozen=True)
class Translation:
    """One change made on load: ``source`` (as written) became ``target`` (canonical)."""

    source: str
    target: str
    note: str = ""

    def __str__(self) -> str:
        arrow = f"{self.source} -> {self.target}" if self.target else f"{self.source}: dropped"
        return f"{arrow} ({self.note})" if self.note else arrow


@dataclass
class Translated:
    """The canonical mapping, what changed, where each moved key was written, and refusals."""

    data: dict[str, Any]
    translations: list[Translation]
    aliases: dict[KeyPath, KeyPath]  # canonical key path -> key path as written
    problems: list[tuple[KeyPath, str]]  # (key path as written, "expected ..., found ...")


def _dotted(path: KeyPath) -> str:
    return ".".join(path)


class _Translator:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = copy.deepcopy(data)
        self.translations: list[Translation] = []
        self.aliases: dict[KeyPath, KeyPath] = {}
        self.problems: list[tuple[KeyPath, str]] = []
        self.nevergrad: str | None = None  # the search_type as written, when Nevergrad

    # bookkeeping -------------------------------------------------------------------------
    def note(self, source: KeyPath, target: KeyPath | None, note: str = "") -> None:
        self.translations.append(
            Translation(_dotted(source), _dotted(target) if target else "", note)
        )

    def value_note(
        self, source: KeyPath, old: object, target: KeyPath, new: object, note: str = ""
    ) -> None:
        self.translations.append(
            Translation(f"{_dotted(source)}: {old!r}", f"{_dotted(target)}: {new!r}", note)
        )

    def refuse(self, source: KeyPath, message: str) -> None:
        self.problems.append((source, message))

    def written(self, path: KeyPath) -> KeyPath:
        for n in range(len(path), 0, -1):
            if path[:n] in self.aliases:
                return self.aliases[path[:n]] + path[n:]
        return path

    def move(
        self,
        src: dict[str, Any],
        key: str,
        dst: dict[str, Any],
        new_key: str,
        src_path: KeyPath,
        dst_path: KeyPath,
        note: str = "",
        *,
        quiet: bool = False,
    ) -> None:
        """Move ``src[key]`` to ``dst[new_key]``; a key written in both places is refused."""
        old = (*src_path, key)
        new = (*dst_path, new_key)
        value = src.pop(key)
        if new_key in dst and dst[new_key] != value:
            self.refuse(
                self.written(old),
                f"expected one spelling, found this and {_dotted(self.written(new))} "
                f"with different values ({value!r}, {dst[new_key]!r})",
            )
            return
        dst[new_key] = value
        self.aliases[new] = self.written(old)
        if self.written(old) != new and not quiet:
            self.note(self.written(old), new, note)

    # sections ----------------------------------------------------------------------------
    def run(self) -> Translated:
        d = self.data
        if "multi_config_args" in d:
            if "multi_experiment_args" in d:
                self.refuse(
                    ("multi_config_args",),
                    "expected one of multi_config_args (v0.3) or multi_experiment_args, found both",
                )
            else:
                d["multi_experiment_args"] = d.pop("multi_config_args")
                self.aliases[("multi_experiment_args",)] = ("multi_config_args",)
                self.note(("multi_config_args",), ("multi_experiment_args",))
        meta = d.get("meta_job_args")
        if isinstance(meta, dict):
            self.meta(meta)
        if "pbt_args" in d:  # v0.3.0-v0.3.3 population-based training
            d.pop("pbt_args")
            pbt_job = isinstance(meta, dict) and "population-based-training" in (
                meta.get("job_type"),
                meta.get("experiment_type"),
            )
            if not pbt_job:  # otherwise the job type's line says it already
                self.refuse(
                    ("pbt_args",),
                    f"expected no PBT settings here, found pbt_args (PBT {_PBT_JOB})",
                )
        search = d.get("param_search_args")
        if isinstance(search, dict):
            self.search(search)
        multi = d.get("multi_experiment_args")
        if isinstance(multi, dict):
            self.seeds(multi, ("multi_experiment_args",), "num_seeds")
        if isinstance(d.get("single_job_args"), dict):
            self.job_args(d["single_job_args"], ("single_job_args",))
        for section in ("pre_processing_args", "post_processing_args"):
            block = d.get(section)
            if isinstance(block, dict) and isinstance(block.get("processing_job_args"), dict):
                self.job_args(block["processing_job_args"], (section, "processing_job_args"))
        return Translated(d, self.translations, self.aliases, self.problems)

    def meta(self, meta: dict[str, Any]) -> None:
        path: KeyPath = ("meta_job_args",)
        if "experiment_type" in meta:
            self.move(meta, "experiment_type", meta, "job_type", path, path, "v0.3 spelling")
        job_type = meta.get("job_type")
        if isinstance(job_type, str) and job_type in _JOB_TYPE_SPELLINGS:
            meta["job_type"] = _JOB_TYPE_SPELLINGS[job_type]
            self.value_note(
                self.written((*path, "job_type")), job_type, (*path, "job_type"), meta["job_type"]
            )
        elif job_type == "population-based-training":
            self.refuse(
                self.written((*path, "job_type")),
                "expected a job type available here, found 'population-based-training', which "
                f"{_PBT_JOB}",
            )
        base = meta.get("base_train_config")
        if isinstance(base, list):
            if len(base) == 1 and isinstance(base[0], str):
                meta["base_train_config"] = base[0]
                self.note((*path, "base_train_config"), (*path, "base_train_config"), "one file")
            else:
                self.refuse(
                    (*path, "base_train_config"),
                    "expected one training config (the original ran one search per listed "
                    f"config; write one experiment YAML per config), found a list of {len(base)}",
                )

    def seeds(self, block: dict[str, Any], path: KeyPath, count_key: str) -> None:
        """``random_seeds``: checked here; a list 0..n-1 is the same as ``count_key: n``."""
        seeds = block.get("random_seeds")
        if seeds is None:
            block.pop("random_seeds", None)
            return
        where = self.written((*path, "random_seeds"))
        if (
            not isinstance(seeds, list)
            or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
        ):
            self.refuse(where, f"expected a non-empty list of integers >= 0, found {seeds!r}")
            return
        if len(set(seeds)) != len(seeds):
            self.refuse(where, f"expected each seed once, found {seeds!r}")
            return
        count = block.get(count_key)
        if count is not None and count != len(seeds):
            self.refuse(
                where,
                f"expected as many seeds as {count_key} ({count!r}), found {len(seeds)}",
            )
            return
        block[count_key] = len(seeds)
        if seeds == list(range(len(seeds))):
            del block["random_seeds"]
            self.value_note(where, seeds, (*path, count_key), len(seeds), "seeds 0.., the default")
        elif count is None:
            self.value_note(where, seeds, (*path, count_key), len(seeds), "and these seeds")

    # searches ----------------------------------------------------------------------------
    def search(self, s: dict[str, Any]) -> None:
        path: KeyPath = ("param_search_args",)
        grouped = any(k in s for k in ("search_logging", "search_resources", "search_config"))
        for group, mapping in (("search_logging", _LOGGING_KEYS), ("search_resources", None)):
            block = s.get(group)
            if group not in s:
                continue
            if not isinstance(block, dict):
                self.refuse((*path, group), f"expected a mapping, found {block!r}")
                s.pop(group)
                continue
            s.pop(group)
            if group == "search_resources":
                self.resources(s, block, (*path, group))
                continue
            for key in list(block):
                new = (mapping or {}).get(key, key)
                quiet = key == "eval_metrics"  # noted once, where it becomes eval_score_type
                self.move(block, key, s, new, (*path, group), path, quiet=quiet)
        config = s.pop("search_config", None)
        if config is not None:
            if isinstance(config, dict):
                self.search_config(s, config, (*path, "search_config"))
            else:
                self.refuse((*path, "search_config"), f"expected a mapping, found {config!r}")
        self.search_type(s)  # the flat schema's too (idempotent after search_config)
        self.objectives(s)
        self.eval_metrics(s)
        if self.nevergrad is not None:
            self.map_nevergrad(s)
        if s.get("no_results_logging") is False:
            s.pop("no_results_logging")
            self.note(self.written((*path, "no_results_logging")), None, "false is the default")
        elif "no_results_logging" in s:
            self.refuse(
                self.written((*path, "no_results_logging")),
                "expected false (a search needs each run's score), found "
                f"{s['no_results_logging']!r}",
            )
            s.pop("no_results_logging")
        if s.get("problem_type") == "rl":
            s["problem_type"] = "mean"
            self.note(
                self.written((*path, "problem_type")),
                (*path, "problem_type"),
                "'rl' (sum over the curve) read as 'mean': the same ranking for curves of equal "
                "length",
            )
        self.seeds(s, path, "num_evals_per_iter")
        params = s.get("params_to_search")
        if isinstance(params, dict):
            self.params(params, (*path, "params_to_search"), s.get("search_type"), grouped)

    def resources(self, s: dict[str, Any], block: dict[str, Any], path: KeyPath) -> None:
        meta = self.data.get("meta_job_args")
        if "max_running_jobs" in block and isinstance(meta, dict):
            self.move(block, "max_running_jobs", meta, "max_running_jobs", path, ("meta_job_args",))
        total = block.pop("num_total_evals", None)
        for key in list(block):
            self.move(block, key, s, _RESOURCE_KEYS.get(key, key), path, ("param_search_args",))
        if total is None:
            return
        where = (*path, "num_total_evals")
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            self.refuse(where, f"expected an integer >= 1, found {total!r}")
            return
        running = meta.get("max_running_jobs") if isinstance(meta, dict) else None
        width = running if isinstance(running, int) and running >= 1 else total
        per_batch = max(d for d in range(1, min(width, total) + 1) if total % d == 0)
        if "num_search_batches" in s or "num_iter_per_batch" in s:
            self.refuse(where, "expected num_total_evals or num_search_batches, found both")
            return
        s["num_search_batches"] = total // per_batch
        s["num_iter_per_batch"] = per_batch
        self.aliases[("param_search_args", "num_search_batches")] = where
        self.aliases[("param_search_args", "num_iter_per_batch")] = where
        note = f"{total} evaluations, at most {per_batch} open at a time"
        if per_batch < width:
            note += f" (the largest divisor of {total} up to {width})"
        self.note(where, ("param_search_args", "num_search_batches x num_iter_per_batch"), note)

    def search_config(self, s: dict[str, Any], config: dict[str, Any], path: KeyPath) -> None:
        target: KeyPath = ("param_search_args",)
        for key, new in (("search_type", "search_type"), ("search_params", "params_to_search")):
            if key in config:
                self.move(config, key, s, new, path, target)
        if "smbo_config" in config:
            self.move(config, "smbo_config", s, "smbo_config", path, target)
        if "search_schedule" in config:
            schedule = config.pop("search_schedule")
            self.note(
                (*path, "search_schedule"),
                None,
                f"{schedule!r}: the driver always proposes as soon as a worker is free, with at "
                "most num_iter_per_batch proposals open",
            )
        stype = self.search_type(s)
        nested = config.pop("search_config", None)
        if nested is not None:
            npath = (*path, "search_config")
            if not isinstance(nested, dict):
                self.refuse(npath, f"expected a mapping, found {nested!r}")
            else:
                self.nested_options(s, nested, npath, stype)
        for key in list(config):
            self.move(config, key, s, key, path, target)

    def search_type(self, s: dict[str, Any]) -> str | None:
        stype = s.get("search_type")
        if not isinstance(stype, str):
            return None
        lower = stype.lower()
        where = self.written(("param_search_args", "search_type"))
        if lower == "nevergrad":  # mapped onto optuna once the objectives are known
            self.nevergrad = stype
            s["search_type"] = "optuna"
            return "nevergrad"  # its nested options go to nevergrad_config
        if lower in REFUSED_SEARCH_TYPES:
            self.refuse(
                where,
                f"expected a search type available here, found {stype!r}, which "
                f"{REFUSED_SEARCH_TYPES[lower]}",
            )
            s.pop("search_type")
            return None
        canonical = _SEARCH_ALIASES.get(lower) or (lower if lower in _BUILTIN_SEARCH else None)
        if canonical is None and stype != lower:  # a plug-in's name written in capitals (ASHA)
            from .plugins import available_search_types

            installed = available_search_types()
            canonical = lower if lower in installed and stype not in installed else None
        if canonical is not None and stype != canonical:
            s["search_type"] = canonical
            self.value_note(where, stype, ("param_search_args", "search_type"), canonical)
        return str(s["search_type"])

    def nested_options(
        self, s: dict[str, Any], nested: dict[str, Any], path: KeyPath, stype: str | None
    ) -> None:
        target: KeyPath = ("param_search_args",)
        if "metric_to_model" in nested:
            metric = nested.pop("metric_to_model")
            s["_metric_to_model"] = metric
            self.aliases[("param_search_args", "_metric_to_model")] = (*path, "metric_to_model")
        if stype is None:
            return
        section = f"{stype}_config"
        options: dict[str, Any] = s.setdefault(section, {})
        if not isinstance(options, dict):
            return
        self.aliases[(*target, section)] = path
        for key in list(nested):
            new = "start" if (stype == "coordinate" and key == "defaults") else key
            value = nested.pop(key)
            if new in options and options[new] != value:
                self.refuse(
                    (*path, key), f"expected one value, found {value!r} and {options[new]!r}"
                )
                continue
            options[new] = value
            self.note((*path, key), (*target, section, new))

    # multi-objective -------------------------------------------------------------------------
    def objectives(self, s: dict[str, Any]) -> None:
        """``eval_score_type`` naming several objectives (a list of names, or of mappings with
        ``name`` and ``direction``), or ``eval_metrics`` with ``maximize_objective`` a list,
        become ``objectives``."""
        path: KeyPath = ("param_search_args",)
        given = s.get("eval_score_type")
        metrics = s.get("eval_metrics")
        maxi = s.get("maximize_objective")
        if isinstance(given, list):
            where = self.written((*path, "eval_score_type"))
            named = self.objective_list(given, where, maxi)
            if named is None:  # refused; a name stands in so that it is said once
                s["eval_score_type"] = "?"
                s.pop("maximize_objective", None)
                return
            if isinstance(metrics, list) and any(n not in metrics for n in named):
                missing = next(n for n in named if n not in metrics)
                self.refuse(
                    self.written((*path, "eval_metrics")),
                    f"expected every objective among the metrics, found {missing!r} missing "
                    f"from {metrics}",
                )
                return
            self.set_objectives(s, named, where)
        elif isinstance(maxi, list) and isinstance(metrics, (list, str)):
            where = self.written((*path, "eval_metrics"))
            names = [metrics] if isinstance(metrics, str) else metrics
            named = self.objective_list(names, where, maxi)
            s.pop("eval_metrics")
            if named is not None:
                self.set_objectives(s, named, where)
            else:
                s.pop("maximize_objective", None)
                s.setdefault("eval_score_type", "?")
        elif isinstance(maxi, list):
            self.refuse(
                self.written((*path, "maximize_objective")),
                f"expected true or false for one objective (a list only for several, named by "
                f"eval_score_type), found {maxi!r}",
            )
            s.pop("maximize_objective")

    def objective_list(
        self, items: list[Any], where: KeyPath, maxi: object
    ) -> dict[str, bool] | None:
        """{name: maximize} of a list of objective names or ``{name, direction}`` mappings;
        ``maxi`` (maximize_objective) is one bool for all or a list of one per objective."""
        mpath = (*where[:-1], "maximize_objective")
        if isinstance(maxi, list) and len(maxi) != len(items):
            self.refuse(
                self.written(mpath),
                f"expected one true/false per objective ({len(items)}), found {maxi!r}",
            )
            return None
        if isinstance(maxi, list) and not all(isinstance(m, bool) for m in maxi):
            self.refuse(self.written(mpath), f"expected a list of true/false, found {maxi!r}")
            return None
        out: dict[str, bool] = {}
        for i, item in enumerate(items):
            default = maxi[i] if isinstance(maxi, list) else maxi is True
            if isinstance(item, str) and item:
                name, maximize = item, default
            elif isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
                unknown = [k for k in item if k not in ("name", "direction")]
                direction = item.get("direction")
                if unknown:
                    self.refuse(
                        (*where, str(i), str(unknown[0])),
                        f"expected name and direction, found {unknown[0]!r}",
                    )
                    return None
                if direction is None:
                    maximize = default
                elif isinstance(direction, str) and direction.lower() in _DIRECTIONS:
                    maximize = _DIRECTIONS[direction.lower()]
                    if isinstance(maxi, list) and maxi[i] != maximize:
                        self.refuse(
                            (*where, str(i), "direction"),
                            f"expected the direction maximize_objective gives "
                            f"({'max' if maxi[i] else 'min'}), found {direction!r}",
                        )
                        return None
                else:
                    self.refuse(
                        (*where, str(i), "direction"), f"expected max or min, found {direction!r}"
                    )
                    return None
                name = item["name"]
            else:
                self.refuse(
                    (*where, str(i)),
                    f"expected a metric name or a mapping with name and direction (max / min), "
                    f"found {item!r}",
                )
                return None
            if name in out:
                self.refuse((*where, str(i)), f"expected each objective once, found {name!r} twice")
                return None
            out[name] = maximize
        if not out:
            self.refuse(where, "expected at least one objective, found an empty list")
            return None
        return out

    def set_objectives(self, s: dict[str, Any], named: dict[str, bool], where: KeyPath) -> None:
        path: KeyPath = ("param_search_args",)
        first = next(iter(named))
        s["eval_score_type"] = first
        s["maximize_objective"] = named[first]
        self.aliases[(*path, "eval_score_type")] = where
        if len(named) == 1:
            self.note(where, (*path, "eval_score_type"), "one objective")
            return
        s["objectives"] = named
        self.aliases[(*path, "objectives")] = where
        shown = ", ".join(f"{n} ({'max' if m else 'min'})" for n, m in named.items())
        self.note(where, (*path, "objectives"), f"a multi-objective search of {shown}")

    def map_nevergrad(self, s: dict[str, Any]) -> None:
        """Nevergrad is not installable here: its search runs as an Optuna sampler (one
        warning names which); nevergrad_config is dropped, its keys checked."""
        path: KeyPath = ("param_search_args",)
        where = self.written((*path, "search_type"))
        options = s.pop("nevergrad_config", None)
        cpath = self.written((*path, "nevergrad_config"))
        optimizer = None
        if options is not None and not isinstance(options, dict):
            self.refuse(cpath, f"expected a mapping, found {options!r}")
            return
        for key, value in (options or {}).items():
            if key not in _NEVERGRAD_KEYS:
                self.refuse(
                    (*cpath, str(key)),
                    f"expected one of {', '.join(_NEVERGRAD_KEYS)} (Nevergrad's options), "
                    f"found {key!r}",
                )
                return
            if key == "optimizer":
                optimizer = value
            self.note((*cpath, str(key)), None, "Nevergrad's; the Optuna sampler replaces it")
        several = len(s.get("objectives") or {}) > 1
        sampler = "nsgaii" if several else "cmaes" if optimizer == "CMA" else "tpe"
        config = s.setdefault("optuna_config", {})
        if not isinstance(config, dict) or config.get("sampler", sampler) != sampler:
            self.refuse(
                self.written((*path, "optuna_config")),
                f"expected no optuna_config with search_type {self.nevergrad!r} (it picks the "
                f"sampler {sampler!r}), found {config!r}",
            )
            return
        config["sampler"] = sampler
        why = (
            f"NSGA-II searches the {len(s['objectives'])} objectives"
            if several
            else f"nearest to Nevergrad's optimizer {optimizer!r}"
            if optimizer
            else "nearest for one objective"
        )
        self.value_note(
            where, self.nevergrad, (*path, "search_type"), "optuna", f"sampler {sampler}: {why}"
        )
        warnings.warn(
            f"{'.'.join(where)}: {self.nevergrad!r} runs as search_type optuna with sampler "
            f"{sampler} (Nevergrad is not installed here; {why})",
            UserWarning,
            stacklevel=2,
        )

    def eval_metrics(self, s: dict[str, Any]) -> None:
        path: KeyPath = ("param_search_args",)
        metric_to_model = s.pop("_metric_to_model", None)
        if "eval_metrics" not in s:
            if metric_to_model is not None and "eval_score_type" not in s:
                s["eval_score_type"] = metric_to_model
            return
        metrics = s["eval_metrics"]
        where = self.written((*path, "eval_metrics"))
        if isinstance(metrics, str):
            metrics = [metrics]
        if (
            not isinstance(metrics, list)
            or not metrics
            or not all(isinstance(m, str) and m for m in metrics)
        ):
            self.refuse(where, f"expected a metric name or a list of them, found {metrics!r}")
            s.pop("eval_metrics")
            return
        if self.nevergrad is not None and len(metrics) > 1 and "objectives" not in s:
            # the original's Nevergrad search told the optimizer every metric: objectives
            maxi = s.get("maximize_objective")
            if metric_to_model is not None or (
                "eval_score_type" in s and s["eval_score_type"] != metrics[0]
            ):
                self.refuse(
                    where,
                    "expected the metrics alone to name a Nevergrad search's objectives, "
                    "found metric_to_model / eval_score_type too",
                )
                return
            named = {m: maxi is True for m in metrics}
            s.pop("eval_metrics")
            self.set_objectives(s, named, where)
            return
        objective = metrics[0]
        if metric_to_model is not None:
            if metric_to_model not in metrics:
                self.refuse(
                    self.written((*path, "_metric_to_model")),
                    f"expected one of the eval_metrics {metrics}, found {metric_to_model!r}",
                )
                return
            objective = metric_to_model
        given = s.get("eval_score_type")
        if given is not None and given != objective:
            self.refuse(
                where,
                f"expected eval_metrics to agree with eval_score_type {given!r}, "
                f"found {objective!r} as the objective",
            )
            return
        s["eval_score_type"] = objective
        self.aliases[(*path, "eval_score_type")] = where
        if len(metrics) == 1:
            s.pop("eval_metrics")
            self.note(where, (*path, "eval_score_type"))
        else:
            s["eval_metrics"] = metrics
            self.note(
                where,
                (*path, "eval_score_type"),
                f"{objective!r} drives the search, as in the original; the others "
                f"({', '.join(m for m in metrics if m != objective)}) are recorded only",
            )

    def params(self, params: dict[str, Any], path: KeyPath, stype: object, grouped: bool) -> None:
        ints = params.get("integer")
        if isinstance(ints, dict):
            for name, spec in ints.items():
                if isinstance(spec, dict) and "spacing" in spec:
                    self.spacing(spec, (*path, "integer", str(name)))
        reals = params.get("real")
        if grouped and stype == "random" and isinstance(reals, dict):
            for name, spec in reals.items():
                if isinstance(spec, dict) and "bins" in spec and "prior" not in spec:
                    bins = spec.pop("bins")
                    spec["prior"] = "uniform"
                    self.value_note(
                        self.written((*path, "real", str(name), "bins")),
                        bins,
                        (*path, "real", str(name), "prior"),
                        "uniform",
                        "v0.2 random searches drew reals uniformly and ignored bins",
                    )

    def spacing(self, spec: dict[str, Any], path: KeyPath) -> None:
        where = self.written((*path, "spacing"))
        nums = {k: _as_int(spec.get(k)) for k in ("begin", "end", "spacing")}
        if "bins" in spec:
            self.refuse(where, "expected either spacing (the original's) or bins, found both")
            return
        begin, end, step = nums["begin"], nums["end"], nums["spacing"]
        if begin is None or end is None or step is None or step < 1:
            self.refuse(
                where,
                "expected integers begin, end and spacing >= 1, found "
                f"{spec.get('begin')!r}, {spec.get('end')!r}, {spec.get('spacing')!r}",
            )
            return
        points = list(range(begin, end, step))
        if not points:
            self.refuse(
                where, f"expected at least one point in range({begin}, {end}, {step}), found none"
            )
            return
        del spec["spacing"]
        spec.update(begin=points[0], end=points[-1], bins=len(points))
        self.note(
            where,
            (*path, "bins"),
            f"the original's range({begin}, {end}, {step}): {len(points)} points "
            f"{points[0]}..{points[-1]}, end excluded",
        )

    # job resources -----------------------------------------------------------------------
    def job_args(self, job: dict[str, Any], path: KeyPath) -> None:
        for key, why in REFUSED_JOB_KEYS.items():
            if key in job:
                self.refuse((*path, key), f"expected {why}, found {key}: {job.pop(key)!r}")
        if "memory_per_cpu" in job:
            per_cpu = job.pop("memory_per_cpu")
            where = (*path, "memory_per_cpu")
            cores = job.get("num_logical_cores", 1)
            if "memory_per_job" in job:
                self.refuse(
                    where,
                    "expected memory_per_cpu or memory_per_job (Slurm refuses both), found both",
                )
            elif not (_as_int(per_cpu) or 0) >= 1 or not (_as_int(cores) or 0) >= 1:
                self.refuse(
                    where, f"expected memory in MB per core, an integer >= 1, found {per_cpu!r}"
                )
            else:
                total = (_as_int(per_cpu) or 0) * (_as_int(cores) or 1)
                job["memory_per_job"] = total
                self.aliases[(*path, "memory_per_job")] = where
                self.note(
                    where,
                    (*path, "memory_per_job"),
                    f"{per_cpu} MB x {cores} cores = {total} MB (per core on Grid Engine)",
                )
        if "use_venv_venv" in job:
            use = job.pop("use_venv_venv")
            where = (*path, "use_venv_venv")
            home = os.environ.get("WORKON_HOME")
            env = job.get("env_name")
            if use is False:
                self.note(where, None, "false is the default")
            elif use is not True:
                self.refuse(where, f"expected true or false, found {use!r}")
            elif not isinstance(env, str) or not env:
                self.refuse(where, "expected env_name to name the venv, found none")
            elif not home:
                self.refuse(
                    where,
                    "expected $WORKON_HOME (the original found the venv there) or venv_path, "
                    "found neither",
                )
            elif "venv_path" not in job:
                job["venv_path"] = os.path.join(home, env)
                self.aliases[(*path, "venv_path")] = where
                self.note(where, (*path, "venv_path"), job["venv_path"])


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            as_float = float(value)
        except ValueError:
            return None
        return int(as_float) if as_float.is_integer() else None
    return None


def translate(data: Mapping[str, Any]) -> Translated:
    """Translate an experiment mapping as written into the canonical schema (a new mapping;
    ``data`` is left unchanged)."""
    return _Translator(dict(data)).run()


def extra_cmd_line_args(extra: Mapping[str, Any] | None) -> list[str]:
    """``extra_cmd_line_input`` as script arguments, as the original passed them:
    ``{"lr": 0.1, "tag": "a"}`` -> ``["-lr", "0.1", "-tag", "a"]`` (one argv token each)."""
    out: list[str] = []
    for key, value in (extra or {}).items():
        out += [f"-{key}", str(value)]
    return out
