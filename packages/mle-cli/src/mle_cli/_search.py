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


class SearchSession:
    """A strategy resumed from the hyper log, plus the log it appends to."""

    def __init__(self, exp: ExperimentDir, search: dict[str, Any]) -> None:
        from mle_search import HyperLog, Space, make_strategy

        self.search = search
        space = Space.from_config(search["params_to_search"])
        extra: dict[str, Any] = {}
        if search.get("search_type") == "smbo" and search.get("smbo_config"):
            extra.update(dict(search["smbo_config"]))
        if search.get("search_type") == "coordinate" and search.get("coordinate_config"):
            extra.update(dict(search["coordinate_config"]))
        self.strategy = make_strategy(
            str(search["search_type"]),
            space,
            seed=int(search.get("random_seed") or 0),
            maximize=bool(search.get("maximize_objective", False)),
            **extra,
        )
        self.log = HyperLog(hyper_log_path(exp, search))  # already .jsonl: no warning
        self.records = list(self.log.read())
        if self.records:
            self.strategy.resume_from(self.records)

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
