"""mle-monitor: the experiment registry (one SQLite file per user), a live terminal dashboard
over it, and the seed statistics reports use to say which configurations really differ.

>>> from mle_monitor import Registry
>>> reg = Registry()  # ~/.local/share/mle/registry.db  # doctest: +SKIP
>>> reg.update("experiments/20261202-050154_ode")  # writes its row  # doctest: +SKIP
>>> [(r.id, r.state) for r in reg.list(project="ode")]  # doctest: +SKIP
[('3f2a91c04b', 'done')]
"""

from .__about__ import __version__
from ._dashboard import Dashboard, DashboardState, run_monitor
from ._folder import (
    JOB_FINAL,
    ExperimentDetail,
    FolderCache,
    JobInfo,
    find_experiment_folders,
    inspect_experiment,
    read_experiment,
)
from ._machine import GpuInfo, MachineProbe, MachineSnapshot, QueueLoad
from ._pareto import (
    ParetoFront,
    ParetoPoint,
    format_pareto,
    pareto_figure,
    pareto_from_records,
    pareto_json,
    pareto_table,
    read_pareto,
)
from ._record import EXPERIMENT_STATES, FINAL_STATES, ExperimentRecord, experiment_id
from ._registry import REGISTRY_ENV, Registry, default_registry_path
from .errors import (
    AmbiguousExperimentError,
    ExperimentFolderError,
    ExperimentNotFoundError,
    MleMonitorError,
    RegistryError,
    RegistryWarning,
    StatsInputError,
)

__all__ = [
    "EXPERIMENT_STATES",
    "FINAL_STATES",
    "JOB_FINAL",
    "REGISTRY_ENV",
    "AmbiguousExperimentError",
    "Dashboard",
    "DashboardState",
    "ExperimentDetail",
    "ExperimentFolderError",
    "ExperimentNotFoundError",
    "ExperimentRecord",
    "FolderCache",
    "GpuInfo",
    "JobInfo",
    "MachineProbe",
    "MachineSnapshot",
    "MleMonitorError",
    "ParetoFront",
    "ParetoPoint",
    "QueueLoad",
    "Registry",
    "RegistryError",
    "RegistryWarning",
    "StatsInputError",
    "__version__",
    "default_registry_path",
    "experiment_id",
    "find_experiment_folders",
    "format_pareto",
    "inspect_experiment",
    "pareto_figure",
    "pareto_from_records",
    "pareto_json",
    "pareto_table",
    "read_experiment",
    "read_pareto",
    "run_monitor",
]
