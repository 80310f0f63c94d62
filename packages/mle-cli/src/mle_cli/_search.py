"""The search side of a hyperparameter search: strategy and hyper log (mle-search)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._layout import ExperimentDir


def hyper_log_path(exp: ExperimentDir, search: dict[str, Any]) -> Path:
    """The hyper log inside the experiment folder (``.pkl`` names become ``.jsonl``)."""
    name = Path(str(search.get("hyperlog_fname") or "hyper_log.jsonl")).name
    if not name.endswith(".jsonl"):
        name = Path(name).stem + ".jsonl"
    return exp.root / name


def build_strategy(search: dict[str, Any]) -> Any:
    """The mle-search strategy for ``param_search_args`` (bad settings raise SearchError)."""
    from mle_search import Space, make_strategy

    stype = str(search["search_type"])
    options: dict[str, Any] = {}
    if stype in ("smbo", "coordinate"):
        options = dict(search.get(f"{stype}_config") or {})
    return make_strategy(
        stype,
        Space.from_config(search["params_to_search"]),
        seed=int(search.get("random_seed") or 0),
        maximize=bool(search.get("maximize_objective", False)),
        **options,
    )


def find_earlier_hyper_log(experiment_dir: Path, project_name: str, exclude: Path) -> Path | None:
    """The hyper log of the newest earlier search of ``project_name`` below
    ``experiment_dir`` (for ``param_search_args.reload_log``), or None."""
    import json

    candidates = []
    for marker in experiment_dir.glob("*/mle-experiment.json"):
        root = marker.parent
        if root == exclude:
            continue
        try:
            doc = json.loads(marker.read_text())
        except (OSError, ValueError):
            continue
        if doc.get("project_name") != project_name or not doc.get("search"):
            continue
        log = hyper_log_path(ExperimentDir(root), doc["search"])
        if log.is_file() and log.stat().st_size > 0:
            candidates.append((str(doc.get("created") or ""), root.name, log))
    return max(candidates)[2] if candidates else None


class SearchSession:
    """A strategy resumed from the hyper log, plus the log it appends to."""

    def __init__(self, exp: ExperimentDir, search: dict[str, Any]) -> None:
        from mle_search import HyperLog

        self.search = search
        self.strategy = build_strategy(search)
        self.log = HyperLog(hyper_log_path(exp, search))  # already .jsonl: no warning
        self.records = list(self.log.read())
        # reload_log: the evaluations of an earlier experiment's search inform this one
        # (grid skips its points, SMBO refits on them); they count against neither budget.
        prior = search.get("reload_from")
        earlier = list(HyperLog(Path(prior)).read()) if prior else []
        if earlier or self.records:
            self.strategy.resume_from(earlier + self.records)

    def told(self) -> set[int]:
        """Proposal numbers already in the hyper log."""
        out: set[int] = set()
        for rec in self.records:
            idx = rec.get("id")
            if isinstance(idx, int):
                out.add(idx)
        return out

    def ask(self) -> dict[str, Any] | None:
        """One new proposal; None when there is none now (see :attr:`exhausted`)."""
        got = self.strategy.ask(1)
        return dict(got[0]) if got else None

    @property
    def exhausted(self) -> bool:
        return bool(getattr(self.strategy, "exhausted", False))

    def tell(
        self,
        index: int,
        params: dict[str, Any],
        scores: list[float | None],
        batch: int,
        **extra: Any,
    ) -> Any:
        """Report proposal ``index``'s per-seed scores and append it to the hyper log."""
        evs = self.strategy.tell([params], [scores])
        self.log.append(evs[0].params, scores, id=index, batch=batch, extra=extra)
        return evs[0]

    def best(self) -> Any | None:
        got = self.strategy.best(1)
        return got[0] if got else None
