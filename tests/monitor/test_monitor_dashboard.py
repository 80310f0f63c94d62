"""The live dashboard: what one screen shows (fits 80x24), plain lines without a terminal,
and the real thing under tmux (keys, counts that follow the folder, q quits)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mle_monitor import Dashboard, MachineProbe, Registry, run_monitor
from monitor_helpers import driver_holding, make_experiment, wait_for
from rich.console import Console

BOOM = "Traceback (most recent call last):\n  File 'train.py', line 3\nValueError: boom\n"


def _search(parent: Path, name: str = "20261202-050154_ode") -> Path:
    return make_experiment(
        parent,
        name,
        [
            ("p0000-s0", "done"),
            ("p0000-s1", "failed"),
            ("p0001-s0", "running"),
            ("p0001-s1", "queued"),
            ("p0002-s0", "pending"),
        ],
        search=True,
        budget=5,
        scores={"p0000": 2.5},
        search_ended=False,
        stderr={"p0000-s1": BOOM},
    )


def _probe() -> MachineProbe:
    return MachineProbe(schedulers=[], gpus=False)


def _screen(dash: Dashboard, width: int = 80, height: int = 24) -> list[str]:
    console = Console(width=width, height=height, record=True, file=io.StringIO())
    console.print(dash.render(width, height))
    return console.export_text().rstrip("\n").splitlines()


def test_one_screen_shows_the_focus_and_fits_80x24(tmp_path: Path) -> None:
    root = _search(tmp_path / "exps")
    reg = Registry(tmp_path / "r.db")
    for i in range(12):  # more experiments than fit
        reg.update(make_experiment(tmp_path / "exps", f"old{i:02d}", t0=1e9 + i))
    with driver_holding(root):
        reg.update(root)
        dash = Dashboard(reg, machine=_probe())
        dash.refresh()
        lines = _screen(dash)
    text = "\n".join(lines)
    assert len(lines) <= 24 and max(len(ln) for ln in lines) <= 80
    assert "1 running" in text
    assert "running 1  queued 1  pending 1  done 1  failed 1" in text
    assert "2/10" in text and "best so far: integral=2.5" in text
    assert "p0000-s1 failed exit 1" in text and "ValueError: boom" in text
    assert "machine" in text


def test_switching_focus(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.db")
    a = reg.update(make_experiment(tmp_path, "a", t0=2e9))
    b = reg.update(make_experiment(tmp_path, "b", t0=1e9))
    assert a is not None and b is not None
    dash = Dashboard(reg, machine=None)
    dash.refresh()
    first = dash.focus_id
    dash.move(1)
    assert dash.focus_id != first and dash.focus_id in (a.id, b.id)
    dash.move(1)
    assert dash.focus_id == first
    dash.move(-1)
    assert dash.focus_id != first


def test_plain_lines_when_stdout_is_no_terminal(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "r.db")
    root = _search(tmp_path)
    out = io.StringIO()
    with driver_holding(root):
        reg.update(root)
        assert run_monitor(reg, interval=0.01, iterations=2, machine=_probe(), stream=out) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 4  # one experiment + the machine, twice
    assert "running 1/10 jobs" in lines[0] and "best integral=2.5" in lines[0]
    assert "\x1b" not in out.getvalue()


def test_an_empty_registry(tmp_path: Path) -> None:
    out = io.StringIO()
    run_monitor(Registry(tmp_path / "none.db"), iterations=1, machine=_probe(), stream=out)
    assert "no experiments in the registry" in out.getvalue()


# --------------------------------------------------------------------------- under tmux
HOLD = """
import fcntl, sys, time
fh = open(sys.argv[1], "a+")
fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(600)
"""


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[list[str]]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    base = ["tmux", "-S", str(tmp_path / "tmux.sock")]
    yield base
    subprocess.run([*base, "kill-server"], capture_output=True, check=False)


def _capture(tmux: list[str]) -> str:
    res = subprocess.run([*tmux, "capture-pane", "-p", "-t", "mon"], capture_output=True, text=True)
    return res.stdout


def _append_event(root: Path, rec: dict[str, object]) -> None:
    with (root / "events.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")


def test_under_tmux_counts_follow_the_folder_keys_switch_and_q_quits(
    tmp_path: Path, tmux: list[str]
) -> None:
    exps = tmp_path / "exps"
    root = _search(exps)
    other = make_experiment(exps, "20261201-000000_mnist", project="mnist", t0=1e9)
    reg = Registry(tmp_path / "r.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root / "driver.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        ode, mnist = reg.update(root), reg.update(other)
        assert ode is not None and mnist is not None and ode.state == "running"
        cmd = [
            sys.executable,
            "-m",
            "mle_monitor",
            "--registry",
            str(reg.path),
            "--interval",
            "0.3",
        ]
        subprocess.run(
            [*tmux, "new-session", "-d", "-s", "mon", "-x", "80", "-y", "24", *cmd], check=True
        )
        screen = wait_for(lambda: "done 1  failed 1" in (s := _capture(tmux)) and s, 90)
        assert screen, _capture(tmux)
        assert "running 1  queued 1  pending 1" in screen and "2/10" in screen
        assert f"{ode.id} ode · 20261202-050154_ode · trying grid" in screen

        # the running job finishes: the screen follows the folder
        t = time.time()
        _append_event(
            root, {"state": "done", "exit_code": 0, "time": t, "job_id": "p0001-s0", "attempt": 0}
        )
        assert wait_for(lambda: "queued 1  pending 1  done 2  failed 1" in _capture(tmux), 90), (
            _capture(tmux)
        )

        subprocess.run([*tmux, "send-keys", "-t", "mon", "n"], check=True)
        assert wait_for(lambda: f"{mnist.id} mnist" in _capture(tmux), 90), _capture(tmux)
        subprocess.run([*tmux, "send-keys", "-t", "mon", "Up"], check=True)
        assert wait_for(lambda: f"{ode.id} ode · 20261202" in _capture(tmux), 90)

        subprocess.run([*tmux, "send-keys", "-t", "mon", "q"], check=True)
        gone = wait_for(
            lambda: (
                subprocess.run([*tmux, "has-session", "-t", "mon"], capture_output=True).returncode
                != 0
            ),
            90,
        )
        assert gone, "the monitor did not exit on q"
    finally:
        holder.kill()
        holder.wait()


def test_many_running_experiments_still_fit_and_the_focus_stays_visible(tmp_path: Path) -> None:
    from contextlib import ExitStack

    reg = Registry(tmp_path / "r.db")
    roots = [_search(tmp_path / "exps", f"e{i:02d}") for i in range(10)]
    with ExitStack() as stack:
        for root in roots:
            stack.enter_context(driver_holding(root))
            reg.update(root)
        dash = Dashboard(reg, machine=_probe())
        dash.refresh()
        for _ in range(7):
            dash.move(1)
        dash.refresh()
        for width, height in ((80, 24), (60, 16)):
            lines = _screen(dash, width, height)
            assert len(lines) <= height and max(len(ln) for ln in lines) <= width
            assert "10 running" in lines[0]
            focus = [ln for ln in lines if ln.startswith(">")]
            assert len(focus) == 1 and dash.focus_id in focus[0]
