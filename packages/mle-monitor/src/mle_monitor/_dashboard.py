"""``mle monitor``: a live terminal dashboard over the registry's experiments.

On a terminal it redraws one screen (fits 80x24) every ``interval`` seconds: the running
experiments (or the latest ones when none runs), the one in focus (jobs by state, progress,
ETA, best so far, the last failures with their stderr tail) and the machine or cluster below.
Keys: ``n`` / ``p`` (or the arrow keys, ``j`` / ``k``) switch the focus, ``q`` quits. When
stdout is no terminal it prints plain lines instead, one per experiment per interval.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from ._folder import ExperimentDetail, FolderCache, inspect_experiment
from ._machine import MachineProbe, MachineSnapshot
from ._record import ExperimentRecord
from ._registry import Registry
from .errors import ExperimentFolderError

__all__ = ["Dashboard", "DashboardState", "run_monitor"]

_NEXT = {"n", "j", "\x1b[B", "\x1b[C", "\x1bOB", "\x1bOC", "\t"}
_PREV = {"p", "k", "\x1b[A", "\x1b[D", "\x1bOA", "\x1bOD"}
_QUIT = {"q", "Q", "\x1b", "\x03"}
_JOB_STATES = (
    "running", "queued", "pending", "done", "pruned", "failed", "timeout", "lost", "cancelled",
)  # fmt: skip


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _params(params: dict[str, Any] | None, width: int = 60) -> str:
    if not params:
        return ""
    text = " ".join(
        f"{k.rsplit('.', 1)[-1]}={v:.4g}" if isinstance(v, float) else f"{k.rsplit('.', 1)[-1]}={v}"
        for k, v in params.items()
    )
    return text if len(text) <= width else text[: width - 1] + "…"


def _short_type(job_type: str | None) -> str:
    return {"hyperparameter-search": "search", "multiple-configs": "configs"}.get(
        job_type or "", (job_type or "-")[:10]
    )


def _gib(n: int | None) -> str:
    return "-" if n is None else f"{n / 2**30:.1f}"


@dataclass
class DashboardState:
    """What one refresh read: the experiments listed, the one in focus, the machine."""

    experiments: list[ExperimentRecord]
    focus: ExperimentDetail | None
    machine: MachineSnapshot | None
    time: float
    running: int


class Dashboard:
    """The data and the drawing of ``mle monitor``, without the terminal loop (testable)."""

    def __init__(
        self,
        registry: Registry,
        *,
        machine: MachineProbe | None = None,
        recent: int = 5,
        focus: str | None = None,
    ) -> None:
        self.registry = registry
        self.machine = machine if machine is not None else MachineProbe()
        self.recent = recent
        self.focus_id = focus
        self.state: DashboardState | None = None
        self._cache = FolderCache()

    # ------------------------------------------------------------------ data
    def refresh(self) -> DashboardState:
        """Read the registry (re-reading running experiments' folders), the folder of the
        experiment in focus, and the machine."""
        with warnings.catch_warnings():  # a read-only registry must not scribble on the screen
            warnings.simplefilter("ignore")
            self.registry.refresh_running(
                reader=lambda f: inspect_experiment(f, cache=self._cache).record
            )
            running = self.registry.list(state="running")
            latest = [r for r in self.registry.list(limit=self.recent) if r.state != "running"]
            shown = running + latest[: max(0, self.recent - len(running))]
        if self.focus_id not in {r.id for r in shown}:
            self.focus_id = shown[0].id if shown else None
        detail = None
        for rec in shown:
            if rec.id == self.focus_id:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        detail = inspect_experiment(rec.folder, cache=self._cache)
                except (ExperimentFolderError, OSError):
                    detail = None
        snap = self.machine.snapshot() if self.machine is not None else None
        self.state = DashboardState(shown, detail, snap, time.time(), len(running))
        return self.state

    def move(self, step: int) -> None:
        """Focus the next (``step=1``) or previous (``-1``) experiment of the list."""
        if self.state is None or not self.state.experiments:
            return
        ids = [r.id for r in self.state.experiments]
        i = ids.index(self.focus_id) if self.focus_id in ids else 0
        self.focus_id = ids[(i + step) % len(ids)]

    # ------------------------------------------------------------------ drawing
    def render(self, width: int = 80, height: int = 24) -> Any:
        """The screen as a rich renderable, cut to ``height`` lines."""
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        st = self.state if self.state is not None else self.refresh()
        lines: list[Any] = []
        clock = datetime.fromtimestamp(st.time).strftime("%H:%M:%S")
        head = Table.grid(expand=True)
        head.add_column()
        head.add_column(justify="right")
        what = f"{st.running} running"
        head.add_row(
            Text.assemble(("mle monitor", "bold"), f"  {what}  ·  n/p switch  q quit"), clock
        )
        lines.append(head)

        wide = width >= 72  # narrower: no type and backend columns
        columns: list[tuple[str, dict[str, Any]]] = [
            ("", {"min_width": 1, "no_wrap": True}),
            ("ID", {"min_width": 10, "no_wrap": True}),
            ("PROJECT", {"no_wrap": True, "max_width": 14}),
        ]
        if wide:
            columns += [("TYPE", {"no_wrap": True}), ("BACKEND", {"no_wrap": True})]
        columns += [
            ("STATE", {"no_wrap": True}),
            ("JOBS", {"justify": "right", "no_wrap": True}),
            ("FAIL", {"justify": "right", "no_wrap": True}),
            ("BEST", {"justify": "right", "no_wrap": True}),
        ]
        table = Table(box=None, pad_edge=False, expand=True, show_edge=False, padding=(0, 1))
        for name, kw in columns:
            table.add_column(name, header_style="bold", **kw)
        room = max(1, min(len(st.experiments), height // 4))
        shown = st.experiments
        if len(shown) > room:  # keep the focus visible
            ids = [r.id for r in shown]
            i = ids.index(self.focus_id) if self.focus_id in ids else 0
            start = min(max(0, i - room + 1), len(shown) - room)
            shown = shown[start : start + room]
        for rec in shown:
            mark = ">" if rec.id == self.focus_id else ""
            cells = [mark, rec.id, rec.project or "-"]
            if wide:
                cells += [_short_type(rec.job_type), rec.backend or "-"]
            cells += [
                rec.state,
                f"{rec.jobs_done}/{rec.jobs_total}",
                str(rec.jobs_failed) if rec.jobs_failed else "",
                _score(rec.best_score),
            ]
            table.add_row(*cells, style="bold" if mark else None)
        if not st.experiments:
            lines.append(Text("no experiments in the registry " + str(self.registry.path)))
        else:
            lines.append(table)
            if len(st.experiments) > len(shown):
                lines.append(Text(f"  ({len(st.experiments)} in all)", style="dim"))

        more = 1 if len(st.experiments) > len(shown) else 0
        budget = height - 1 - (len(shown) + 1) - more - 3  # lines left for the focus
        if st.focus is not None:
            lines.extend(self._focus_lines(st.focus, width, budget))
        lines.extend(self._machine_lines(st.machine, width))
        return Group(*lines)

    def _focus_lines(self, d: ExperimentDetail, width: int, budget: int) -> list[Any]:
        from rich.progress_bar import ProgressBar
        from rich.rule import Rule
        from rich.table import Table
        from rich.text import Text

        rec = d.record
        title = f"{rec.id} {rec.project} · {rec.name}" + (
            f" · {rec.purpose}" if rec.purpose else ""
        )
        out: list[Any] = [Rule(Text(title[: width - 6], style="bold"), align="left")]
        counts = "  ".join(f"{s} {d.counts[s]}" for s in _JOB_STATES if d.counts.get(s)) + "".join(
            f"  {s} {n}" for s, n in d.counts.items() if s not in _JOB_STATES
        )
        out.append(Text(f" jobs: {counts or 'none yet'}"))
        total = max(rec.jobs_total, 1)
        finished = d.finished_jobs
        end = rec.finished if rec.finished is not None else time.time()
        elapsed = end - rec.started if rec.started is not None and end >= rec.started else None
        bar = Table.grid(padding=(0, 1))
        bar.add_column(width=max(10, width - 46))
        bar.add_column(no_wrap=True)
        eta = d.eta()
        bar.add_row(
            ProgressBar(total=total, completed=finished, width=max(10, width - 46)),
            f"{finished}/{rec.jobs_total} {100 * finished / total:3.0f}%  "
            f"elapsed {_duration(elapsed)}"
            + (f"  ETA {_duration(eta)}" if rec.state == "running" else f"  {rec.state}"),
        )
        out.append(bar)
        if rec.best_score is not None:
            label = "best so far" if rec.state == "running" else "best"
            metric = f"{rec.metric}=" if rec.metric else ""
            out.append(
                Text(f" {label}: {metric}{_score(rec.best_score)}  {_params(rec.best_params)}")
            )
        room = max(0, budget - len(out) - 1)
        fails = d.failures(3)
        if fails and room >= 2:
            out.append(Text(" last failures:", style="bold red"))
            for job in fails:
                if room < 1:
                    break
                code = f" exit {job.exit_code}" if job.exit_code is not None else ""
                out.append(Text(f"  {job.job_id} {job.state}{code}", style="red", no_wrap=True))
                room -= 1
                for line in d.stderr_tail(job, 2 if room >= 2 * len(fails) else 1):
                    if room < 1:
                        break
                    out.append(Text(f"    {line.strip()}"[:width], style="dim", no_wrap=True))
                    room -= 1
        return out

    def _machine_lines(self, m: MachineSnapshot | None, width: int) -> list[Any]:
        from rich.rule import Rule
        from rich.text import Text

        if m is None:
            return []
        out: list[Any] = [Rule(Text(f"machine {m.host}", style="bold"), align="left")]
        cpu = f"CPU {m.cpu_percent:.0f}%" if m.cpu_percent is not None else "CPU -"
        load = " load " + " ".join(f"{x:.2f}" for x in m.load) if m.load else ""
        mem = f"  mem {_gib(m.memory_used)}/{_gib(m.memory_total)} GiB"
        gpu = (
            "  GPU none"
            if not m.gpus
            else "  "
            + " ".join(
                f"GPU{g.index} {g.utilization or 0:.0f}% "
                f"{(g.memory_used_mb or 0) / 1024:.1f}/{(g.memory_total_mb or 0) / 1024:.0f}G"
                for g in m.gpus[:4]
            )
        )
        out.append(Text(f" {cpu}{load}{mem}{gpu}"[:width], no_wrap=True))
        parts = []
        for q in m.queues:
            if q.scheduler == "sge":
                load_s = f" load {q.load:.2f}" if q.load is not None else ""
                parts.append(f"SGE {q.name} {q.used}/{q.total} slots{load_s}")
            else:
                parts.append(f"Slurm {q.name} {q.used}/{q.total} CPUs {q.state or ''}".rstrip())
        parts += m.notes
        if parts:
            out.append(Text((" " + "  ·  ".join(parts))[:width], no_wrap=True))
        return out

    def plain_lines(self) -> list[str]:
        """One line per listed experiment plus one for the machine (no terminal)."""
        st = self.state if self.state is not None else self.refresh()
        stamp = datetime.fromtimestamp(st.time).isoformat(timespec="seconds")
        out = []
        for rec in st.experiments:
            detail = st.focus if st.focus and st.focus.record.id == rec.id else None
            counts = (
                ", ".join(f"{s} {n}" for s, n in sorted(detail.counts.items()))
                if detail
                else f"done {rec.jobs_done}, failed {rec.jobs_failed}, running {rec.jobs_running}"
            )
            line = (
                f"{stamp} {rec.id} {rec.project or '-'} {rec.state} "
                f"{rec.jobs_done}/{rec.jobs_total} jobs ({counts})"
            )
            if rec.best_score is not None:
                line += f" best {rec.metric or 'score'}={_score(rec.best_score)}"
            if detail is not None and rec.state == "running":
                eta = detail.eta()
                line += f" eta {_duration(eta)}" if eta is not None else ""
            out.append(line)
        if not st.experiments:
            out.append(f"{stamp} no experiments in the registry {self.registry.path}")
        m = st.machine
        if m is not None:
            cpu = f"{m.cpu_percent:.0f}%" if m.cpu_percent is not None else "-"
            line = f"{stamp} machine {m.host} cpu {cpu} mem {_gib(m.memory_used)}/"
            line += f"{_gib(m.memory_total)} GiB gpus {len(m.gpus)}"
            for q in m.queues:
                line += f" {q.scheduler}:{q.name} {q.used}/{q.total}"
            out.append(line)
        return out


@contextlib.contextmanager
def _cbreak(fd: int) -> Iterator[None]:
    """Keys arrive one at a time, unechoed; the terminal is restored on the way out."""
    import termios
    import tty

    old = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def _read_keys(fd: int, timeout: float) -> list[str]:
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    if not ready:
        return []
    data = os.read(fd, 64).decode("utf-8", "replace")
    keys: list[str] = []
    i = 0
    while i < len(data):
        if data[i] == "\x1b" and i + 2 < len(data) and data[i + 1] in "[O":
            keys.append(data[i : i + 3])
            i += 3
        else:
            keys.append(data[i])
            i += 1
    return keys


def run_monitor(
    registry: Registry | None = None,
    *,
    interval: float = 2.0,
    iterations: int | None = None,
    focus: str | None = None,
    machine: MachineProbe | None = None,
    stream: IO[str] | None = None,
    plain: bool | None = None,
) -> int:
    """Run the dashboard until ``q`` (or Ctrl-C, or ``iterations`` refreshes); returns 0.

    ``plain``: print periodic lines instead of the live screen (default: when ``stream``,
    stdout by default, is no terminal)."""
    registry = registry if registry is not None else Registry()
    stream = stream if stream is not None else sys.stdout
    plain = not stream.isatty() if plain is None else plain
    dash = Dashboard(registry, machine=machine, focus=focus)
    try:
        if plain:
            _run_plain(dash, stream, interval, iterations)
        else:
            _run_live(dash, stream, interval, iterations)
    except KeyboardInterrupt:
        pass
    return 0


def _run_plain(dash: Dashboard, stream: IO[str], interval: float, iterations: int | None) -> None:
    n = 0
    while True:
        dash.refresh()
        stream.write("\n".join(dash.plain_lines()) + "\n")
        stream.flush()
        n += 1
        if iterations is not None and n >= iterations:
            return
        time.sleep(interval)


def _run_live(dash: Dashboard, stream: IO[str], interval: float, iterations: int | None) -> None:
    from rich.console import Console
    from rich.live import Live

    console = Console(file=stream, highlight=False)
    stdin = sys.stdin
    fd = stdin.fileno() if stdin is not None and stdin.isatty() else None
    keys_ctx = _cbreak(fd) if fd is not None else contextlib.nullcontext()
    n = 0
    with (
        keys_ctx,
        Live(console=console, screen=True, auto_refresh=False, redirect_stderr=False) as live,
    ):
        dash.refresh()
        while True:
            w, h = console.size
            live.update(dash.render(w, h), refresh=True)
            n += 1
            if iterations is not None and n >= iterations:
                return
            deadline = time.monotonic() + interval
            moved = False
            while not moved:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if fd is None:
                    time.sleep(left)
                    break
                for key in _read_keys(fd, left):
                    if key in _QUIT:
                        return
                    if key in _NEXT or key in _PREV:
                        dash.move(1 if key in _NEXT else -1)
                        moved = True
            dash.refresh()
