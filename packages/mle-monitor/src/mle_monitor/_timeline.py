"""The report's failures section and job timeline, from plain :class:`Trial` lists.

- :func:`failures`: each failed, timed-out, lost, pruned or orphaned job with why it ended
  and the tail of its stderr (read by :func:`mle_scheduler.tail` when the trials were made).
- :func:`compute_usage`: the compute the jobs used (the sum of their run times), the wall
  time from the first start to the last end, and both per host.
- :func:`timeline_figure`: one bar per job from start to end, on lanes grouped by host
  (a host has as many lanes as it ran jobs at once), coloured by the job's state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ._sections_plot import fmt_value, new_figure, png_bytes
from ._trials import Trial, is_bad

__all__ = [
    "STATE_COLORS",
    "ComputeUsage",
    "Failure",
    "HostUsage",
    "compute_usage",
    "failures",
    "fmt_duration",
    "timeline_figure",
]

#: a job state's colour in the timeline
STATE_COLORS = {
    "done": "#2e8b57",
    "failed": "#d62728",
    "timeout": "#9467bd",
    "lost": "#7f7f7f",
    "orphaned": "#7f7f7f",
    "pruned": "#ff7f0e",
    "cancelled": "#bcbd22",
    "running": "#1f77b4",
    "retried": "#c7c7c7",  # an earlier attempt of a job that was run again
}


@dataclass(frozen=True)
class Failure:
    """One job that did not finish well, as the failures section lists it."""

    job_id: str
    state: str
    reason: str
    exit_code: int | None
    config_id: str | None
    seed: int | None
    params: dict[str, object]
    host: str | None
    stderr_tail: str


def failures(trials: Sequence[Trial]) -> list[Failure]:
    """Every job a failures section lists (see :func:`~mle_monitor._trials.is_bad`), in the
    order they ended (unknown ends last)."""
    bad = [t for t in trials if is_bad(t)]
    bad.sort(key=lambda t: (t.end is None, t.end or 0.0))
    return [
        Failure(
            job_id=t.job_id,
            state="pruned" if t.state == "cancelled" else t.state,
            reason=t.reason or (f"exit code {t.exit_code}" if t.exit_code else t.state),
            exit_code=t.exit_code,
            config_id=t.config_id,
            seed=t.seed,
            params=dict(t.params),
            host=t.host,
            stderr_tail=t.stderr_tail,
        )
        for t in bad
    ]


@dataclass(frozen=True)
class HostUsage:
    """One host's share: jobs with known times, their summed run time, the most at once."""

    host: str
    jobs: int
    compute_s: float
    max_parallel: int


@dataclass(frozen=True)
class ComputeUsage:
    """The compute an experiment used (jobs with a known start and end only)."""

    jobs: int  # with a known start and end
    jobs_untimed: int
    compute_s: float  # sum of the jobs' run times, earlier (retried) attempts included
    wall_s: float  # first start to last end
    hosts: list[HostUsage] = field(default_factory=list)
    retried_s: float = 0.0  # of compute_s: the earlier attempts of retried jobs
    jobs_running: int = 0  # counted up to ``now`` (when compute_usage was given one)
    running_s: float = 0.0  # of compute_s: the running jobs' time so far

    @property
    def mean_parallel(self) -> float:
        """Jobs running at once on average (compute / wall)."""
        return self.compute_s / self.wall_s if self.wall_s > 0 else 0.0


def _timed(trials: Sequence[Trial]) -> list[Trial]:
    return [t for t in trials if t.duration is not None]


def _with_attempts(trials: Sequence[Trial], now: float | None = None) -> list[Trial]:
    """The timed jobs; the running ones up to ``now`` (when given); and, as ``retried``
    pseudo-jobs on the same host (the status file keeps only the last attempt's host), their
    earlier attempts."""
    out = _timed(trials)
    for t in trials:
        if now is not None and t.state == "running" and t.start is not None and t.end is None:
            out.append(replace(t, end=max(now, t.start)))
        for i, (start, end) in enumerate(t.attempts):
            out.append(Trial(f"{t.job_id}#{i}", t.params, None, "retried", start, end, t.host))
    return out


def _lanes(trials: Sequence[Trial]) -> list[int]:
    """A lane per job so that no two jobs on one lane overlap (greedy, by start)."""
    ends: list[float] = []
    lane = [0] * len(trials)
    for i in sorted(range(len(trials)), key=lambda i: trials[i].start or 0.0):
        start, end = trials[i].start or 0.0, trials[i].end or 0.0
        free = next((k for k, e in enumerate(ends) if e <= start + 1e-9), None)
        if free is None:
            ends.append(end)
            free = len(ends) - 1
        else:
            ends[free] = end
        lane[i] = free
    return lane


def _by_host(trials: Sequence[Trial]) -> dict[str, list[Trial]]:
    hosts: dict[str, list[Trial]] = {}
    for t in sorted(trials, key=lambda t: t.start or 0.0):
        hosts.setdefault(t.host or "unknown host", []).append(t)
    return hosts


def compute_usage(trials: Sequence[Trial], now: float | None = None) -> ComputeUsage:
    """Total compute (the sum of the jobs' run times), wall time and the per-host split.
    ``now``: also count the running jobs' time so far (``running_s``)."""
    timed = _timed(trials)
    every = _with_attempts(trials, now)
    if not every:
        return ComputeUsage(0, len(trials), 0.0, 0.0, [])
    start = min(t.start for t in every if t.start is not None)
    end = max(t.end for t in every if t.end is not None)
    hosts = []
    for host, group in _by_host(every).items():
        lanes = _lanes(group)
        total = math.fsum(t.duration or 0.0 for t in group)
        jobs = sum(t.state != "retried" for t in group)
        hosts.append(HostUsage(host, jobs, total, max(lanes) + 1))
    total = math.fsum(t.duration or 0.0 for t in every)
    retried = math.fsum(t.duration or 0.0 for t in every if t.state == "retried")
    running = [t for t in every if t.state == "running"]
    return ComputeUsage(
        len(timed),
        len(trials) - len(timed) - len(running),
        total,
        end - start,
        hosts,
        retried_s=retried,
        jobs_running=len(running),
        running_s=math.fsum(t.duration or 0.0 for t in running),
    )


def fmt_duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``2h07m``."""
    s = round(seconds)
    if s < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def timeline_figure(
    trials: Sequence[Trial], *, max_jobs: int = 2000, now: float | None = None
) -> bytes | None:
    """A Gantt chart (PNG): one bar per job from start to end, the y axis the hosts' lanes,
    the x axis time since the first start, colours by state (legend), the total compute and
    wall time in the title. None when no job has a known start and end. Above ``max_jobs``
    only the last ``max_jobs`` to start are drawn (the title says so). ``now``: running jobs
    are drawn up to it (an experiment still running)."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    timed = _with_attempts(trials, now)
    if not timed:
        return None
    usage = compute_usage(trials, now)
    shown = sorted(timed, key=lambda t: t.start or 0.0)[-max_jobs:]
    t0 = min(t.start or 0.0 for t in shown)
    span = max(t.end or 0.0 for t in shown) - t0
    scale, unit = (1.0, "s") if span < 180 else (60.0, "min") if span < 3 * 3600 else (3600.0, "h")
    hosts = _by_host(shown)
    rows = sum(max(_lanes(g)) + 1 for g in hosts.values())
    fig = new_figure(8.0, min(9.0, 1.6 + 0.28 * rows))
    ax = fig.subplots()
    base, ticks, labels = 0, [], []
    boxes, colors = [], []  # one artist for all bars: thousands of jobs stay quick
    for host, group in hosts.items():
        lanes = _lanes(group)
        n = max(lanes) + 1
        for t, lane in zip(group, lanes, strict=True):
            left = ((t.start or 0.0) - t0) / scale
            width = max((t.duration or 0.0) / scale, span / scale / 400)
            y0, y1 = base + lane - 0.4, base + lane + 0.4
            boxes.append([(left, y0), (left + width, y0), (left + width, y1), (left, y1)])
            colors.append(STATE_COLORS.get(t.state, "#333333"))
        ticks.append(base + (n - 1) / 2)
        labels.append(f"{host} ({sum(t.state != 'retried' for t in group)} jobs)")
        base += n
        ax.axhline(base - 0.5, color="#999", lw=0.6)
    edge = "white" if len(shown) <= 300 else "none"
    ax.add_collection(PolyCollection(boxes, facecolors=colors, edgecolors=edge, linewidths=0.8))
    ax.set_xlim(0, span / scale * 1.01 if span > 0 else 1.0)
    ax.set_yticks(ticks, labels, fontsize=8)
    ax.set_ylim(-0.6, base - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel(f"time since the first job started ({unit})")
    states = [s for s in STATE_COLORS if any(t.state == s for t in shown)]
    states += sorted({t.state for t in shown} - set(states))
    handles = [Patch(color=STATE_COLORS.get(s, "#333333"), label=s) for s in states]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    cut = f", last {len(shown)} of {len(timed)} shown" if len(shown) < len(timed) else ""
    ax.set_title(
        f"{usage.jobs} jobs{f' (+{usage.jobs_running} running)' if usage.jobs_running else ''}: "
        f"{fmt_duration(usage.compute_s)} of compute in "
        f"{fmt_duration(usage.wall_s)} (mean {fmt_value(usage.mean_parallel, 3)} at once){cut}",
        fontsize=10,
    )
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return png_bytes(fig)
