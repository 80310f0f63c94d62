"""mle-scheduler stands alone: importing it pulls in no sibling package and changes no global
state (users reuse it in other projects)."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, logging, os, sys
env = dict(os.environ)
handlers = list(logging.getLogger().handlers)
import mle_scheduler
from mle_scheduler import get_backend
get_backend("local")
print(json.dumps({
    "siblings": sorted(m for m in sys.modules
                       if m.split(".")[0] in ("mle_config", "mle_logger", "mle_search", "mle_cli")),
    "env_changed": dict(os.environ) != env,
    "handlers_changed": logging.getLogger().handlers != handlers,
    "pytest": "pytest" in sys.modules,
}))
"""


def test_import_needs_no_sibling_and_changes_no_global_state() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == {
        "siblings": [],
        "env_changed": False,
        "handlers_changed": False,
        "pytest": False,
    }
