"""ASHA as a search: random points at the full budget, stopped early by an ASHAPruner."""

from __future__ import annotations

from collections.abc import Sequence

from ._fidelity import FidelityStrategy, TrialRequest, check_number
from ._results import Evaluation
from ._space import Key, Space
from ._stopping import ASHAPruner
from ._trial import Trial

__all__ = ["ASHASearch"]

_DRAWS = 1000


class ASHASearch(FidelityStrategy):
    """Asynchronous successive halving: every trial is a new random point run up to
    ``max_resource``; the runner consults :attr:`pruner` (an :class:`ASHAPruner` with rungs
    ``min_resource * eta**k`` below ``max_resource``, or ``rungs``) with each running trial's
    logged metric and stops the ones that fall below their rung's cut. Arm ``i`` is drawn
    from a stream of the seed and ``i``, so a resumed search proposes what the uninterrupted
    one would have."""

    search_type = "asha"

    def __init__(
        self,
        space: Space,
        *,
        seed: int | None = None,
        maximize: bool = False,
        max_resource: float = 81,
        min_resource: float = 1,
        eta: int = 3,
        rungs: Sequence[float] | None = None,
    ) -> None:
        super().__init__(space, seed=seed, maximize=maximize)
        where = "asha search"
        self.max_resource = check_number(max_resource, where, "max_resource", low=0, integer=False)
        self.pruner = ASHAPruner(
            maximize=maximize,
            eta=eta,
            rungs=rungs,
            min_resource=min_resource,
            max_resource=self.max_resource,
        )
        self._arms: list[Key] = []

    def _draw(self, index: int, taken: set[Key]) -> Key | None:
        rng = self._rng(index)
        for _ in range(_DRAWS):
            key = self.space.sample(rng)
            if key not in taken:
                return key
        self._stall(
            f"asha search: {_DRAWS} random draws in a row repeated earlier points (the space "
            "has no new point left)"
        )
        return None

    def _request(self, n: int) -> list[TrialRequest]:
        out: list[TrialRequest] = []
        taken = set(self._arms)  # trial_opened books the arms, in the order of the requests
        for _ in range(n):
            index = len(self._arms) + len(out)
            key = self._draw(index, taken)
            if key is None:
                break
            taken.add(key)
            out.append(
                TrialRequest(self.space.proposal(key), self.max_resource, tags={"arm": index})
            )
        return out

    def _opened(self, trial: Trial, request: TrialRequest) -> None:
        self._arms.append(self.space.key(trial.params))

    def _told(self, trial: Trial, evaluation: Evaluation) -> None:
        pass

    def _exhausted(self) -> bool:
        size = self.space.size
        return size is not None and len(set(self._arms)) >= size

    def _request_of(self, trial: Trial) -> TrialRequest:
        return TrialRequest(dict(trial.params), self.max_resource, tags={"arm": len(self._arms)})
