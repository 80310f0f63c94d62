"""mle-cli: the ``mle`` command (run, resume, status, cancel, results, report, init).

The command line is the interface; from Python, ``main(["run", "exp.yaml"])`` returns the
exit code.
"""

from .__about__ import __version__
from .errors import ExperimentDirError, JobsFailedError, MleCliError, UsageError
from .main import main

__all__ = [
    "ExperimentDirError",
    "JobsFailedError",
    "MleCliError",
    "UsageError",
    "__version__",
    "main",
]
