"""Issue 12 item 13: the files mle-scheduler writes (queue state files, a job's status file and
output) take their mode from the umask, so a teammate in the group can read a shared
experiment. mkstemp's 0600 (the old snapshot store) and bash's history file (0600) do not."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# A fresh interpreter: the store reads the umask once per process.
_RUN = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    os.umask(0o027)
    from mle_scheduler import JobSpec, LocalBackend, Queue
    tmp = Path(sys.argv[1])
    q = Queue(LocalBackend(), state_file=tmp / sys.argv[2])
    q.submit(JobSpec(["sh", "-c", "echo hi"], stdout=tmp / "a" / "out.txt"))
    q.wait(timeout=120)
    close = getattr(q, "close", None)
    if close is not None:
        close()
    print(json.dumps([j.state.value for j in q.jobs]))
    """
)


@pytest.mark.parametrize("state_file", ["queue.json", "queue.jsonl"])
def test_queue_and_job_files_follow_the_umask(tmp_path: Path, state_file: str) -> None:
    res = subprocess.run(
        [sys.executable, "-c", _RUN, str(tmp_path), state_file],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads(res.stdout.splitlines()[-1]) == ["done"]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert tmp_path / state_file in files and tmp_path / "a" / "out.txt" in files
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in files}
    wrong = {name: oct(m) for name, m in modes.items() if m & 0o040 == 0 or m & 0o007}
    assert not wrong, f"not group-readable or readable by others under umask 027: {wrong}"
