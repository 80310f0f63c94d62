"""``MLExperiment``, ``MLE_Experiment`` and ``@experiment`` of the original toolbox (v0.2.6-v0.3.4)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mle_logger import PickleRefusedError, UnsupportedObjectError, load_checkpoint, load_log
from mle_toolbox import MLE_Experiment, MLExperiment, experiment

V03_CONFIG = """\
train_config:
  lrate: 0.2
  batch_size: 4
model_config:
  hidden: 8
log_config:
  time_to_track: ["num_epochs"]
  what_to_track: ["train_loss", "test_loss"]
  verbose: false
  log_every_j_steps: 2
  overwrite: 1
"""


class FakeFigure:
    def savefig(self, path: Any, format: str = "png") -> None:  # matplotlib's signature
        Path(path).write_bytes(b"\x89PNG fake")


@pytest.fixture
def v03(tmp_path: Path) -> Path:
    cfg = tmp_path / "base_config_1.yaml"
    cfg.write_text(V03_CONFIG)
    return cfg


def test_attributes_the_original_examples_use(v03: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    mle = MLExperiment(argv=["-config", str(v03), "-seed", "3", "-exp_dir", str(out)])
    assert mle.train_config.lrate == 0.2 and mle.train_config.seed_id == 3
    assert {**mle.train_config} == {"lrate": 0.2, "batch_size": 4, "seed_id": 3}  # **train_config
    assert mle.model_config is not None and mle.model_config.hidden == 8
    assert mle.net_config is mle.model_config
    assert mle.log_config.time_to_track == ["num_epochs"]
    assert mle.seed_id == 3 and mle.config_fname == str(v03)
    assert mle.experiment_dir == str(out) and mle.log_dir == str(out)
    assert mle.model_ckpt is None and mle.extra_config is None and mle.device_config is None
    mle.log.close()


def test_log_update_save_plot_save_extra(v03: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    mle = MLExperiment(argv=["-config", str(v03), "-exp_dir", str(out)])
    for epoch in range(1, 7):
        if mle.ready_to_log(epoch):  # log_every_j_steps: 2 -> epochs 1, 3, 5
            mle.log.update(
                {"num_epochs": epoch},
                {"train_loss": 1.0 / epoch, "test_loss": 2.0 / epoch},
                model={"w": np.full(2, float(epoch))},
                plot_fig=FakeFigure(),
                extra_obj={"epoch": epoch},
                save=True,
            )
    assert mle.log.stats_log.stats_tracked["train_loss"] == [1.0, 1.0 / 3, 0.2]
    assert mle.log.stats_log.stats_to_track.test_loss == [2.0, 2.0 / 3, 0.4]  # v0.3.2's spelling
    mle.log.save_plot(FakeFigure(), "_sin_curve.png")
    mle.log.save_extra(np.arange(3))
    mle.log.close()
    loaded = load_log(out)
    assert loaded.time.num_epochs.tolist() == [1, 3, 5]
    assert loaded.time.num_updates.tolist() == [1, 2, 3]  # added as the original did
    assert np.all(np.diff(loaded.time.time_elapsed) >= 0)
    assert load_checkpoint(out / "models/seed_0/last.npz")["w"].tolist() == [5.0, 5.0]
    figures = sorted(p.name for p in (out / "figures/seed_0").iterdir())
    assert figures == ["fig_1.png", "fig_2.png", "fig_3.png", "fig_4_sin_curve.png"]
    extras = sorted(p.name for p in (out / "extra/seed_0").iterdir())
    assert extras == ["extra_1.json", "extra_2.json", "extra_3.json", "extra_4.npy"]
    assert json.loads((out / "extra/seed_0/extra_3.json").read_text()) == {"epoch": 5}


def test_update_log_with_lists_v02(v03: Path, tmp_path: Path) -> None:
    mle = MLExperiment(argv=["-config", str(v03), "-exp_dir", str(tmp_path / "r")])
    mle.update_log([1], [0.5, 0.6], save=True)
    mle.update_log({"num_epochs": 2}, {"train_loss": 0.4, "test_loss": 0.5}, model=np.ones(2))
    mle.log.close()
    assert load_log(tmp_path / "r").stats.test_loss.tolist() == [0.6, 0.5]


def test_new_names_are_added_on_the_fly(v03: Path, tmp_path: Path) -> None:
    mle = MLExperiment(argv=["-config", str(v03), "-exp_dir", str(tmp_path / "r")])
    mle.log.update({"num_epochs": 1}, {"train_loss": 1.0, "test_loss": 1.0}, save=True)
    mle.log.update({"num_epochs": 2}, {"train_loss": 1.0, "test_loss": 1.0, "acc": 0.9})
    mle.log.close()
    acc = load_log(tmp_path / "r").stats.acc
    assert np.isnan(acc[0]) and acc[1] == 0.9


def test_decorator_passes_the_experiment(
    v03: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["train.py"])  # read when the decorator runs
    out = tmp_path / "run"
    seen: list[Any] = []

    @experiment(str(v03), experiment_dir=str(out), seed_id=2)
    def main(mle: MLExperiment, factor: float) -> float:
        seen.append(mle)
        mle.log.update({"num_epochs": 1}, {"train_loss": factor, "test_loss": factor}, save=True)
        return factor * 2

    assert main(1.5) == 3.0
    seen[0].log.close()
    assert load_log(out).seed_id == 2


def test_v030_keywords_and_mle_e_experiment(v03: Path, tmp_path: Path) -> None:
    mle = MLExperiment(
        default_config_fname=str(v03), default_experiment_dir=str(tmp_path / "a"),
        default_seed=4, argv=[],
    )  # fmt: skip
    assert mle.seed_id == 4 and mle.experiment_dir == str(tmp_path / "a")
    mle.log.close()
    old = MLE_Experiment(str(v03), False, argv=["-exp_dir", str(tmp_path / "b")])
    old.log_config.verbose = True  # configs may be changed before setup(), as the original
    old.setup()
    assert old.log is not None
    old.log.close()


def test_model_ckpt_and_extra_command_line(v03: Path, tmp_path: Path) -> None:
    ckpt = tmp_path / "theta.npy"
    np.save(ckpt, np.array([0.9, 0.9]))
    mle = MLExperiment(
        argv=["-config", str(v03), "-exp_dir", str(tmp_path / "r"), "-model_ckpt", str(ckpt),
              "-env_name", "CartPole", "-num_envs", "8"]
    )  # fmt: skip
    assert mle.model_ckpt.tolist() == [0.9, 0.9]
    assert mle.extra_config == {"env_name": "CartPole", "num_envs": 8.0}
    mle.log.close()
    pt = tmp_path / "model.pt"
    pt.write_bytes(b"not read")
    with pytest.raises(PickleRefusedError):  # a pickle is never loaded behind the user's back
        MLExperiment(argv=["-config", str(v03), "-exp_dir", str(tmp_path / "s"),
                           "-model_ckpt", str(pt)])  # fmt: skip


def test_missing_default_config_falls_back_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.warns(RuntimeWarning, match="does not exist; using a minimal config"):
        mle = MLExperiment("configs/missing.json", argv=["-exp_dir", "out"])
    mle.log.update({}, {"loss": 1.0})
    mle.log.close()
    assert load_log(tmp_path / "out").stats.loss.tolist() == [1.0]
    with pytest.raises(FileNotFoundError):  # an explicit -config must exist
        MLExperiment(argv=["-config", "configs/missing.json"])


def test_unknown_log_config_key_is_named(v03: Path, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"'what_to_trak' \(did you mean 'what_to_track'\?\)"):
        MLExperiment(
            argv=["-config", str(v03), "-exp_dir", str(tmp_path)],
            log_config={"what_to_trak": ["x"]},
        )


def test_unpicklable_model_is_skipped_with_one_warning(v03: Path, tmp_path: Path) -> None:
    mle = MLExperiment(argv=["-config", str(v03), "-exp_dir", str(tmp_path / "r")])
    with pytest.warns(RuntimeWarning, match="checkpoint not saved"):
        mle.update_log([1], [0.1, 0.2], model=object(), save=True)
    mle.log.close()
    with pytest.raises(UnsupportedObjectError):  # the core Logger still refuses clearly
        mle.log.logger.save_model(object())


def test_import_is_light_and_the_script_runs(v03: Path, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            import mle_toolbox
            heavy = [m for m in ("torch", "matplotlib", "jax") if m in sys.modules]
            from mle_toolbox import experiment

            @experiment("base_config_1.yaml")
            def main(mle):
                for epoch in range(1, 4):
                    mle.log.update({"num_epochs": epoch},
                                   {"train_loss": 1 / epoch, "test_loss": 2 / epoch}, save=True)
                print("HEAVY", heavy, mle.seed_id)

            if __name__ == "__main__":
                main()
            """
        )
    )
    res = subprocess.run(
        [sys.executable, str(script), "-seed", "1", "-exp_dir", str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "HEAVY [] 1" in res.stdout
    log = load_log(tmp_path / "out")
    assert log.finished and log.stats.train_loss.tolist() == [1.0, 0.5, 1 / 3]


def test_v02_log_config_prints_and_needs_use_tboard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(
        "mle_logger._tboard._summary_writer_class", lambda: lambda logdir: opened.append(logdir)
    )
    cfg = tmp_path / "ode_int_config_1.json"
    cfg.write_text(
        json.dumps(
            {
                "train_config": {"x_0": 100},
                "net_config": {},
                "log_config": {  # a v0.2.6 config: DeepLogger keys, no verbose, no use_tboard
                    "time_to_track": ["step_counter"],
                    "what_to_track": ["integral"],
                    "tboard_fname": "ode_fun",
                    "time_to_print": ["step_counter"],
                    "what_to_print": ["integral"],
                    "print_every_k_updates": 1,
                    "overwrite_experiment_dir": 0,
                },
            }
        )
    )
    mle = MLE_Experiment(str(cfg), argv=["-exp_dir", str(tmp_path / "r")])
    mle.update_log([1], [99.0], save=True)
    mle.log.close()
    assert capsys.readouterr().out.split() == ["step_counter", "integral", "1", "99"]
    assert opened == []


def test_device_config_sets_the_jobs_environment(
    v03: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("XLA_FLAGS", "CUDA_VISIBLE_DEVICES", "XLA_PYTHON_CLIENT_PREALLOCATE"):
        monkeypatch.setenv(var, "before")  # restored after the test
    argv = ["-config", str(v03), "-exp_dir", str(tmp_path / "r")]
    mle = MLExperiment(argv=argv, device_config={"num_devices": 2, "device_type": "cpu"})
    mle.log.close()
    import os

    assert os.environ["XLA_FLAGS"] == "--xla_force_host_platform_device_count=2"
    assert os.environ["CUDA_VISIBLE_DEVICES"] == ""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")  # the GPU the scheduler gave this job
    mle = MLExperiment(argv=argv, device_config={"num_devices": 1, "device_type": "gpu"})
    mle.log.close()
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"  # never widened to GPUs of other jobs
    assert os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"


def test_extend_tracking_as_in_the_notebook(v03: Path, tmp_path: Path) -> None:
    mle = MLExperiment(argv=["-config", str(v03), "-exp_dir", str(tmp_path / "r")])
    mle.log.update({"num_epochs": 1}, {"train_loss": 1.0, "test_loss": 1.0})
    mle.log.extend_tracking(["meta_loss", "ep_return"])
    assert mle.log.stats_log.what_to_track == ["train_loss", "test_loss", "meta_loss", "ep_return"]
    assert "num_epochs" in mle.log.stats_log.time_to_track
    mle.log.update({"num_epochs": 2}, {"train_loss": 0.5, "test_loss": 0.5, "meta_loss": 2.0})
    assert mle.log.stats_log.stats_tracked["meta_loss"][1] == 2.0
    mle.log.close()
    loaded = load_log(tmp_path / "r")
    assert np.isnan(loaded.stats.meta_loss[0]) and loaded.stats.meta_loss[1] == 2.0
    assert np.isnan(loaded.stats.ep_return).all()
