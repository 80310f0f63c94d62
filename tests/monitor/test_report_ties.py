"""Issue 13: "statistically tied with the best" in `mle results` (table and --json) and
`mle report`, and the same std / interval / bands as mle-logger's aggregation (issue 9)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mle_logger import RunningSummary, load_log, summarize, summarize_scores
from mle_monitor.results import collect_results, config_table
from report_helpers import logistic_search, make_search


@pytest.fixture(scope="module")
def logreg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return logistic_search(tmp_path_factory.mktemp("logreg") / "20261202-074524_logreg")


def _mle(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MLE_USER_CONFIG": str(cwd / "no-user-config.yaml")}
    env["MLE_REGISTRY"] = str(cwd / "registry.db")
    res = subprocess.run(
        [sys.executable, "-m", "mle_cli", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res


def _welch_p(a: list[float], b: list[float]) -> float:
    """Welch's two-sided p-value, by scipy when installed (an independent implementation)."""
    stats = pytest.importorskip("scipy.stats")
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def test_logistic_regression_search_marks_the_configs_tied_with_the_best(logreg: Path) -> None:
    doc = collect_results(logreg).document
    seeds = {c["config_id"]: [] for c in doc["configs"]}
    for j in doc["jobs"]:
        seeds[j["config_id"]].append(j["score"])
    best = doc["ties"]["best"]
    assert best == min(seeds, key=lambda c: float(np.mean(seeds[c])))  # val_loss minimized
    assert doc["best"]["config_id"] == best and doc["best"]["tied_with_best"] is True
    expected = {c: _welch_p(seeds[best], s) >= 0.05 for c, s in seeds.items() if c != best}
    marks = {c["config_id"]: c["tied_with_best"] for c in doc["configs"] if c["config_id"] != best}
    assert marks == expected
    assert sorted(doc["ties"]["tied"]) == sorted(c for c, tied in expected.items() if tied)
    assert any(expected.values()) and not all(expected.values())  # both kinds occur here
    by_id = {c["config_id"]: c for c in doc["configs"]}
    for c, s in seeds.items():
        if c == best:
            assert by_id[c]["vs_best"] is None
            continue
        vs = by_id[c]["vs_best"]
        assert vs["welch_p"] == pytest.approx(_welch_p(seeds[best], s), rel=1e-6)
        assert vs["cohen_d"] > 0 and 0.5 <= vs["rank_effect"] <= 1.0  # the best is better
        assert 0.0 < vs["rank_p"] <= 1.0
    json.dumps(doc, allow_nan=False)  # strictly valid JSON


def test_tied_mark_in_results_table_json_and_report(logreg: Path, tmp_path: Path) -> None:
    doc = json.loads(_mle("results", str(logreg), "--json", cwd=tmp_path).stdout)
    tied = set(doc["ties"]["tied"])
    assert tied and {c["config_id"] for c in doc["configs"] if c["tied_with_best"]} == tied | {
        doc["ties"]["best"]
    }
    table = _mle("results", str(logreg), cwd=tmp_path).stdout
    lines = {ln.split()[1]: ln for ln in table.splitlines() if ln.strip()[:1].isdigit()}
    assert " best " in lines[doc["ties"]["best"]]
    for cid in lines:
        assert (" tied " in lines[cid]) == (cid in tied), lines[cid]
    _mle("report", str(logreg), "-d", str(tmp_path / "report"), cwd=tmp_path)
    md = (tmp_path / "report" / "report.md").read_text()
    assert "## Comparison with the best" in md
    for cid in tied:
        assert f"| {cid} |" in md
    assert "| tied |" in md or "| tied | " in md
    page = (tmp_path / "report" / "report.html").read_text()
    assert "Comparison with the best" in page and "<td>tied</td>" in page


def test_known_ties_and_undecided_configs(tmp_path: Path) -> None:
    base = [10.0, 11.0, 12.0, 13.0, 14.0]
    series = {
        "best": [[v] for v in base],
        "same": [[v - 0.001] for v in base],  # the same spread, a hair lower: tied
        "far": [[v - 50.0] for v in base],  # clearly lower: not tied
        "one": [[11.0], None, None, None, None],  # one seed scored: cannot say
        "none": [None] * 5,  # no score at all: not ranked, no mark
    }
    folder = make_search(tmp_path / "exp", series, maximize=True, metric="acc")
    doc = collect_results(folder).document
    by_id = {c["config_id"]: c for c in doc["configs"]}
    assert doc["ties"]["best"] == "best" and doc["ties"]["tied"] == ["same"]
    assert by_id["same"]["tied_with_best"] is True
    assert by_id["same"]["vs_best"]["welch_p"] == pytest.approx(1.0, abs=1e-3)
    assert by_id["far"]["tied_with_best"] is False
    assert by_id["one"]["tied_with_best"] is None and by_id["one"]["n_failed"] == 4
    assert "tied_with_best" not in by_id["none"] and by_id["none"]["score_mean"] is None
    header, rows = config_table(doc)
    marks = {r[1]: r[header.index("vs best")] for r in rows}
    assert marks == {"best": "best", "same": "tied", "far": "", "one": "?", "none": "-"}


def test_a_percentile_ranking_names_the_best_for_the_tests(tmp_path: Path) -> None:
    """With aggregate_seeds p90 the search's best is the best p90, not the best mean; the
    tests compare against that one."""
    series = {
        "steady": [[v] for v in (5.0, 5.1, 5.2, 5.3, 5.4)],
        "spiky": [[v] for v in (0.0, 0.0, 0.0, 9.0, 9.5)],
    }
    doc = collect_results(
        make_search(tmp_path / "e", series, maximize=True, aggregate_seeds="p90")
    ).document
    assert doc["best"]["config_id"] == "spiky" == doc["ties"]["best"]


def test_std_interval_and_bands_are_mle_loggers(logreg: Path) -> None:
    res = collect_results(logreg, curves=12)
    doc = res.document
    for c in doc["configs"]:
        runs = [Path(j["run_dir"]) for j in doc["jobs"] if j["config_id"] == c["config_id"]]
        logs = [load_log(r) for r in runs]
        s = summarize_scores([float(lg.stats["val_loss"][-1]) for lg in logs])
        assert c["score_std"] == pytest.approx(s.std, rel=1e-12)  # ddof 1
        assert (c["score_ci_low"], c["score_ci_high"]) == pytest.approx((s.ci_low, s.ci_high))
        [band] = [b for b in res.bands["val_loss"] if b.config_id == c["config_id"]]
        ref = summarize([lg.stats["val_loss"] for lg in logs])
        for name in ("mean", "std", "ci_low", "ci_high", "count"):
            assert np.allclose(getattr(band.summary, name), getattr(ref, name), rtol=1e-10)
        assert band.n_runs == 5 and band.time.tolist() == list(range(1, 31))


def test_streamed_curves_keep_the_best_configs_even_when_their_good_seeds_come_late(
    tmp_path: Path,
) -> None:
    """Only the 3 best configurations' bands are kept; 'late' looks worst after its first
    seed (so it is dropped while read) and ends best: it is read again, bands are complete."""
    series = {f"c{i}": [[1.0, float(i)] for _ in range(3)] for i in range(6)}
    series["late"] = [[0.0, -30.0], [0.0, 50.0], [0.0, -40.0]]  # mean -6.67: the best
    folder = make_search(tmp_path / "exp", series, maximize=False, metric="loss")
    res = collect_results(folder, curves=3)
    assert [b.config_id for b in res.bands["loss"]] == ["late", "c0", "c1"]
    late = res.bands["loss"][0]
    assert late.n_runs == 3 and late.summary.mean.tolist() == pytest.approx([0.0, -20.0 / 3])
    assert res.curves_note == " (3 best of 7)"


def test_running_summary_matches_summarize_with_unequal_lengths_and_gaps() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=n) for n in (5, 40, 17, 40, 1)]
    arrays[2][3] = math.nan
    band = RunningSummary()
    for a in arrays:
        band.add(a)
    got, ref = band.summary(), summarize(arrays)
    for name in ("mean", "std", "stderr", "ci_low", "ci_high", "count"):
        assert np.allclose(getattr(got, name), getattr(ref, name), rtol=1e-12, equal_nan=True)


def test_progress_counts_every_finished_run_once(tmp_path: Path) -> None:
    series = {f"c{i}": [[1.0, float(i)], None, [2.0, float(i)]] for i in range(4)}
    folder = make_search(tmp_path / "exp", series, metric="loss")
    calls: list[tuple[int, int]] = []
    collect_results(folder, curves=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 8) for i in range(1, 9)]  # 4 configs x 2 finished seeds
