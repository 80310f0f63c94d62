"""Issue 12 item 14: the disk fills up in the middle of a run. `mle run` ends with one line
(no traceback) that says how to go on, and `mle resume` after freeing space finishes every job."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Project, multi_yaml


def test_a_disk_that_fills_up_mid_run_is_one_line_and_resume_finishes(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mle_cli.main import main
    from mle_scheduler import JsonlWriter

    project.yaml("exp.yaml", multi_yaml(num_seeds=3))
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("MLE_USER_CONFIG", str(project.root / "no-user-config.yaml"))
    full = {"on": True, "events": 0}
    append = JsonlWriter.append

    def append_until_full(self: JsonlWriter, *args: Any, **kwargs: Any) -> Any:
        if full["on"] and Path(self.path).name == "events.jsonl":
            full["events"] += 1
            if full["events"] > 2:  # a few events made it, then the disk is full
                raise OSError(errno.ENOSPC, "No space left on device")
        return append(self, *args, **kwargs)

    monkeypatch.setattr(JsonlWriter, "append", append_until_full)
    assert main(["run", "exp.yaml"]) == 2
    err = capsys.readouterr().err
    assert full["events"] > 2, "the disk never filled up: the test no longer tests anything"
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.count("\n") == 1 and "no space left" in err.lower() and "mle resume" in err, err

    full["on"] = False  # space was freed
    [exp] = project.experiments()
    assert main(["resume", str(exp)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    states = [j["state"] for j in project.results(exp)["jobs"]]
    assert states == ["done"] * 3
