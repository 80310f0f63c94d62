"""Reading a log while its writer saves, closes and reloads never loses or doubles a row."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
from mle_logger import load_log

# Cycles of: reload (or start), 20 rows saved in 4 saves, close. Row r has v == r.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mle_logger import Logger
    exp, cycles, started = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    row = 0
    for c in range(cycles):
        with Logger(exp, seed_id=0, reload=c > 0) as log:
            for k in range(20):
                log.update(time={"step": row}, stats={"v": float(row)}, save=k % 5 == 4)
                row += 1
        started.touch()
    """
)


def test_reads_during_closes_and_reloads_see_every_row_once(tmp_path: Path) -> None:
    exp, started = tmp_path / "exp", tmp_path / "started"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(exp), "60", str(started)])
    try:
        deadline = time.monotonic() + 120
        while not started.exists():  # the first cycle closed: the log exists from here on
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.005)
        n_reads, seen, bad = 0, 0, []
        while proc.poll() is None:
            log = load_log(exp)
            v = log.stats.v  # type: ignore[union-attr]
            n_reads += 1
            if len(v) < seen or not np.array_equal(v, np.arange(len(v))):
                bad.append((seen, len(v)))
            seen = max(seen, len(v))
        assert proc.wait() == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not bad, f"{len(bad)} of {n_reads} reads lost or doubled rows: {bad[:5]}"
    final = load_log(exp)
    assert final.finished and final.n_rows == 60 * 20  # type: ignore[union-attr]
