"""One training script per original release's API, run as a job is run (``-config -seed
-exp_dir``, a fresh interpreter), with the log read back. Our own scripts, in each release's style.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from mle_logger import SeedLog, load_checkpoint, load_log

JSON_CONFIG = {
    "train_config": {"x_0": 10.0, "dt": 0.1, "num_steps": 20, "log_every": 5},
    "net_config": {"hidden": 3},
    "log_config": {
        "time_to_track": ["step"],
        "what_to_track": ["x"],
        "time_to_print": ["step"],
        "what_to_print": ["x"],
        "print_every_k_updates": 2,
        "overwrite_experiment_dir": 0,
    },
}
YAML_CONFIG = """\
train_config:
  x_0: 10.0
  dt: 0.1
  num_steps: 20
model_config:
  hidden: 3
log_config:
  time_to_track: ["step"]
  what_to_track: ["x"]
  log_every_j_steps: 5
  verbose: true
  overwrite: 1
"""

SCRIPTS = {
    # 2020 seed era: get_configs_ready + DeepLogger(**log_config), lists, save_log().
    "v0.1-seed": """
        from mle_toolbox.utils import get_configs_ready, DeepLogger

        train_config, net_config, log_config = get_configs_ready(default_config_fname="cfg.json")
        log = DeepLogger(**log_config)
        x = train_config.x_0
        for i in range(train_config.num_steps):
            x = x - 0.1 * x * train_config.dt
            if i % train_config.log_every == 0:
                log.update_log([i + 1], [x])
                log.save_log()
                log.save_network({"w": [x, x]})
    """,
    # v0.2.3-v0.2.5: set_random_seeds, update_log(model=, save=True), save_plot(fig, ext).
    "v0.2.5": """
        import numpy as np
        from mle_toolbox.utils import get_configs_ready, DeepLogger, set_random_seeds

        train_config, net_config, log_config = get_configs_ready(default_config_fname="cfg.json")
        set_random_seeds(train_config.seed_id)
        log = DeepLogger(**log_config)
        x = train_config.x_0
        for i in range(train_config.num_steps):
            x = x - 0.1 * x * train_config.dt
            if i % train_config.log_every == 0:
                log.update_log([i + 1], [x], model=np.array([x]), save=True)
        log.save_plot(Figure(), "_curve.png")
    """,
    # v0.2.6: MLE_Experiment, mle.update_log with lists, mle.log.save_plot.
    "v0.2.6": """
        from mle_toolbox import MLE_Experiment

        mle = MLE_Experiment("cfg.json")
        x = mle.train_config.x_0
        for i in range(mle.train_config.num_steps):
            x = x - 0.1 * x * mle.train_config.dt
            if i % mle.train_config.log_every == 0:
                mle.update_log([i + 1], [x], save=True)
        mle.log.save_plot(Figure(), "_curve.png")
    """,
    # v0.2.7-v0.2.9: MLExperiment(config_fname=...), dict ticks, net_config.
    "v0.2.9": """
        from mle_toolbox import MLExperiment

        mle = MLExperiment(config_fname="cfg.json")
        assert mle.net_config.hidden == 3
        x = mle.train_config.x_0
        for i in range(mle.train_config.num_steps):
            x = x - 0.1 * x * mle.train_config.dt
            if i % mle.train_config.log_every == 0:
                mle.update_log({"step": i + 1}, {"x": x}, model={"x": [x]}, save=True)
    """,
    # v0.3.0: MLExperiment(default_config_fname=...), ready_to_log, YAML config, model_config.
    "v0.3.0": """
        from mle_toolbox import MLExperiment

        mle = MLExperiment(default_config_fname="cfg.yaml")
        assert mle.model_config.hidden == 3
        x = mle.train_config.x_0
        for i in range(mle.train_config.num_steps):
            x = x - 0.1 * x * mle.train_config.dt
            if mle.ready_to_log(i):
                mle.update_log({"step": i + 1}, {"x": x}, save=True)
        mle.log.save_plot(Figure())
    """,
    # v0.3.1-v0.3.4: @experiment decorator, mle.log.update, stats_log, save_extra.
    "v0.3.4": """
        from mle_toolbox import experiment

        @experiment("cfg.yaml")
        def main(mle):
            x = mle.train_config.x_0
            for i in range(mle.train_config.num_steps):
                x = x - 0.1 * x * mle.train_config.dt
                if mle.ready_to_log(i):
                    mle.log.update({"step": i + 1}, {"x": x}, model=[x], save=True)
            mle.log.save_extra({"final": mle.log.stats_log.stats_tracked["x"][-1]})

        main()
    """,
}
FIGURE = """
class Figure:  # stands in for a matplotlib figure
    def savefig(self, path, format="png"):
        open(path, "wb").write(b"png")
"""


def euler(steps: int, logged: list[int]) -> list[float]:
    x, out = 10.0, []
    for i in range(steps):
        x = x - 0.1 * x * 0.1
        if i in logged:
            out.append(x)
    return out


@pytest.mark.parametrize("release", list(SCRIPTS))
def test_release_style_script_runs_unchanged(tmp_path: Path, release: str) -> None:
    (tmp_path / "cfg.json").write_text(json.dumps(JSON_CONFIG))
    (tmp_path / "cfg.yaml").write_text(YAML_CONFIG)
    script = tmp_path / "train.py"
    script.write_text(FIGURE + textwrap.dedent(SCRIPTS[release]))
    config = "cfg.yaml" if release.startswith("v0.3") else "cfg.json"
    out = tmp_path / "run"
    res = subprocess.run(
        [sys.executable, str(script), "-config", config, "-seed", "4", "-exp_dir", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    log = load_log(out)
    assert isinstance(log, SeedLog) and log.finished and log.seed_id == 4
    logged = [0, 5, 10, 15] if release < "v0.3" else [0, 4, 9, 14, 19]  # log_every_j_steps
    assert log.time.step.tolist() == [i + 1 for i in logged]
    assert log.stats.x.tolist() == pytest.approx(euler(20, logged))
    assert not list((out / "logs").glob("*.journal"))  # folded at exit: h5py alone sees it
    models = out / "models/seed_4"
    if release not in ("v0.2.6", "v0.3.0"):
        last = load_checkpoint(next(models.glob("last.*")))
        flat = (
            np.concatenate([np.ravel(v) for v in last.values()]) if isinstance(last, dict) else last
        )
        assert float(np.ravel(flat)[-1]) == pytest.approx(log.stats.x[-1])
