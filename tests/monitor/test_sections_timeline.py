"""The failures section and the job timeline: which jobs are listed and why, the compute
used, and the Gantt figure; trials read from a real experiment folder's files."""

from __future__ import annotations

from pathlib import Path

import pytest
from monitor_helpers import make_experiment

pytest.importorskip("matplotlib")

from mle_monitor._timeline import (
    compute_usage,
    failures,
    fmt_duration,
    timeline_figure,
)
from mle_monitor._trials import Trial, trials_from_folder

T0 = 1_796_187_714.0


def _t(
    job: str, state: str, start: float | None, end: float | None, host: str = "a", **kw: object
) -> Trial:
    return Trial(job, {"x": 1}, None, state, start, end, host, **kw)  # type: ignore[arg-type]


def test_failures_lists_failed_timed_out_lost_and_pruned_jobs_in_order_of_ending() -> None:
    trials = [
        _t("ok", "done", T0, T0 + 5),
        _t("f", "failed", T0, T0 + 9, exit_code=3, stderr_tail="Traceback\nValueError: nan"),
        _t("t", "timeout", T0, T0 + 2),
        _t("p", "pruned", T0, T0 + 4, reason="pruned at step 3 (median rule)"),
        _t("pc", "cancelled", T0, T0 + 3, reason="pruned by ASHA at rung 1"),
        _t("c", "cancelled", T0, T0 + 1, reason="mle cancel"),  # the user's: not a failure
        _t("l", "lost", None, None),
    ]
    rows = failures(trials)
    assert [(r.job_id, r.state) for r in rows] == [
        ("t", "timeout"),
        ("pc", "pruned"),
        ("p", "pruned"),
        ("f", "failed"),
        ("l", "lost"),  # unknown end: last
    ]
    by = {r.job_id: r for r in rows}
    assert by["f"].reason == "exit code 3" and by["f"].stderr_tail.endswith("ValueError: nan")
    assert by["p"].reason == "pruned at step 3 (median rule)"


def test_compute_usage_sums_run_times_and_counts_parallel_jobs_per_host() -> None:
    trials = [
        _t("a1", "done", T0, T0 + 10, "a"),
        _t("a2", "done", T0 + 2, T0 + 6, "a"),  # overlaps a1: 2 at once on a
        _t("a3", "failed", T0 + 10, T0 + 12, "a"),  # starts as a1 ends: reuses its lane
        _t("b1", "done", T0 + 20, T0 + 50, "b"),
        _t("q", "queued", None, None, "a"),
    ]
    usage = compute_usage(trials)
    assert (usage.jobs, usage.jobs_untimed) == (4, 1)
    assert usage.compute_s == pytest.approx(46.0)
    assert usage.wall_s == pytest.approx(50.0)
    assert usage.mean_parallel == pytest.approx(0.92)
    hosts = {h.host: h for h in usage.hosts}
    assert (hosts["a"].jobs, hosts["a"].compute_s, hosts["a"].max_parallel) == (3, 16.0, 2)
    assert (hosts["b"].jobs, hosts["b"].max_parallel) == (1, 1)
    assert compute_usage([]).compute_s == 0.0


def test_timeline_figure_is_a_png_and_none_without_times() -> None:
    from matplotlib.image import imread

    trials = [
        _t(f"j{i}", s, T0 + i, T0 + i + 3, f"node{i % 2}")
        for i, s in enumerate(["done", "failed", "pruned", "done", "running", "cancelled"])
    ]
    data = timeline_figure(trials)
    assert data is not None and data.startswith(b"\x89PNG")
    import io

    assert imread(io.BytesIO(data), format="png").shape[1] >= 700
    assert timeline_figure([_t("q", "queued", None, None)]) is None


def test_fmt_duration() -> None:
    assert [fmt_duration(s) for s in (4.25, 42, 185, 7620)] == ["4.2s", "42s", "3m05s", "2h07m"]


def test_trials_from_folder_reads_times_hosts_scores_and_stderr_of_failures(tmp_path: Path) -> None:
    root = make_experiment(
        tmp_path,
        "exp",
        jobs=[("c0-s0", "done"), ("c0-s1", "failed"), ("c1-s0", "done"), ("c1-s1", "timeout")],
        stderr={"c0-s1": "loading data\n\nRuntimeError: CUDA out of memory\n\n"},
    )
    doc = {
        "jobs": [
            {"job_id": "c0-s0", "score": 1.5},
            {"job_id": "c1-s0", "score": float("inf")},
        ],
        "configs": [{"config_id": "c1", "proposal": 0}, {"config_id": "c0", "proposal": 1}],
    }
    trials = {t.job_id: t for t in trials_from_folder(root, doc)}
    assert set(trials) == {"c0-s0", "c0-s1", "c1-s0", "c1-s1"}
    ok, bad = trials["c0-s0"], trials["c0-s1"]
    assert ok.score == 1.5 and ok.host == "vm" and ok.duration == pytest.approx(0.9)
    assert ok.stderr_tail == "" and ok.order == 1
    assert trials["c1-s0"].score is None  # not finite: no score
    assert bad.state == "failed" and bad.exit_code == 1 and bad.reason == "exit code 1"
    assert bad.stderr_tail == "loading data\nRuntimeError: CUDA out of memory"
    assert bad.start is not None and bad.end is not None  # a finished job's status file
    assert trials["c1-s1"].state == "timeout" and trials["c1-s1"].reason == "hit its time limit"


def test_a_pruned_job_is_listed_with_the_pruners_reason(tmp_path: Path) -> None:
    import json

    root = make_experiment(tmp_path, "exp", jobs=[("c0-s0", "done"), ("c0-s1", "cancelled")])
    events = [json.loads(line) for line in (root / "events.jsonl").read_text().splitlines()]
    for ev in events:
        if ev.get("job_id") == "c0-s1" and ev.get("state") == "cancelled":
            ev.update(state="pruned", message="pruned at step 4 (loss=0.53)")
    (root / "events.jsonl").write_text("".join(json.dumps(ev) + "\n" for ev in events))
    status = root / "runs" / "c0-s1" / "job-status.json"
    record = json.loads(status.read_text())
    record.update(end=record["start"] + 0.5, exit_code=143)  # the wrapper saw SIGTERM
    status.write_text(json.dumps(record))
    (found,) = failures(trials_from_folder(root))
    assert (found.job_id, found.state, found.reason) == (
        "c0-s1",
        "pruned",
        "pruned at step 4 (loss=0.53)",
    )


def test_retried_attempts_count_as_compute_and_show_on_the_timeline(tmp_path: Path) -> None:
    import json

    root = make_experiment(tmp_path, "exp", jobs=[("c0-s0", "done"), ("c0-s1", "done")])
    events = [json.loads(line) for line in (root / "events.jsonl").read_text().splitlines()]
    first = [  # c0-s0 ran 5 s, failed and was run again (attempt 1, the events above)
        {"state": "running", "attempt": 0, "time": T0 - 10.0, "job_id": "c0-s0"},
        {"state": "retrying", "attempt": 0, "time": T0 - 5.0, "job_id": "c0-s0",
         "message": "failed"},
    ]  # fmt: skip
    (root / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in first + events))
    trials = {t.job_id: t for t in trials_from_folder(root)}
    assert trials["c0-s0"].attempts == ((T0 - 10.0, T0 - 5.0),)
    assert trials["c0-s1"].attempts == ()
    usage = compute_usage(list(trials.values()))
    assert usage.jobs == 2 and usage.retried_s == pytest.approx(5.0)
    assert usage.compute_s == pytest.approx(5.0 + 0.9 + 0.9)
    assert usage.hosts[0].jobs == 2
    assert timeline_figure(list(trials.values())) is not None
    assert failures(list(trials.values())) == []  # retried, then done: not a failure


def test_running_jobs_count_up_to_now_only_when_asked() -> None:
    trials = [_t("a", "done", T0, T0 + 10), _t("r", "running", T0 + 5, None)]
    finished = compute_usage(trials)
    assert (finished.jobs, finished.jobs_untimed, finished.jobs_running) == (1, 1, 0)
    live = compute_usage(trials, now=T0 + 25)
    assert (live.jobs, live.jobs_untimed, live.jobs_running) == (1, 0, 1)
    assert live.running_s == pytest.approx(20.0) and live.compute_s == pytest.approx(30.0)
    assert live.wall_s == pytest.approx(25.0)
    assert timeline_figure([_t("r", "running", T0, None)]) is None
    assert timeline_figure([_t("r", "running", T0, None)], now=T0 + 3) is not None
