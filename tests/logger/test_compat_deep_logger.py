"""The seed-era ``mle_toolbox.utils`` API, as the original 2020 toolbox defined it."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from mle_logger import DeepLogger, LogUpdateError, load_checkpoint, load_log
from mle_toolbox.utils import get_configs_ready, set_random_seeds


class FakeFigure:
    def savefig(self, path: Any, format: str = "png") -> None:  # matplotlib's signature
        Path(path).write_bytes(b"\x89PNG fake")


def test_positional_order_is_the_originals(
    exp_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # DeepLogger(time_to_track, what_to_track, time_to_print, what_to_print, config_fname,
    #            experiment_dir, tboard_fname, use_tboard, print_every_k_updates, fname_ext,
    #            save_every_k_ckpt, overwrite_experiment_dir)
    log = DeepLogger(
        ["step"], ["loss"], ["step"], ["loss"], None, str(exp_dir), None, False, 2, "seed-4", 1, 0
    )
    for i in range(4):
        log.update_log([i + 1], [1.0 / (i + 1)], np.full(2, float(i)))
    log.close()
    out = capsys.readouterr().out.splitlines()
    assert [int(line.split()[0]) for line in out[1:]] == [2, 4]  # every 2nd update printed
    loaded = load_log(exp_dir)
    assert loaded.seed_id == 4  # from fname_ext "seed-4"
    assert loaded.time.step.tolist() == [1, 2, 3, 4]
    every = json.loads((exp_dir / "models/seed_4/checkpoints.json").read_text())["every"]
    assert [e["update"] for e in every] == [0, 1, 2, 3]  # save_every_k_ckpt=1: all of them


@pytest.mark.parametrize("seed", [5, "5", "seed_5", "seed-5", np.int64(5)])
def test_seed_id_in_every_releases_spelling(exp_dir: Path, seed: Any) -> None:
    log = DeepLogger(["t"], ["x"], experiment_dir=exp_dir, seed_id=seed, verbose=False)
    log.update_log([1], [1.0])
    log.close()
    assert (exp_dir / "logs/seed_5.hdf5").is_file()


def test_dicts_as_well_as_lists(exp_dir: Path) -> None:
    log = DeepLogger(["step"], ["loss", "acc"], experiment_dir=exp_dir, verbose=False)
    log.update_log([1], [0.5, 0.1])
    log.update_log({"step": 2}, {"acc": 0.2, "loss": 0.4})  # any order, by name
    log.update_log({"step": 3}, [0.3, 0.3])  # mixed
    with pytest.raises(LogUpdateError, match="expected 2 stats value"):
        log.update_log({"step": 4}, [0.3])
    log.close()
    loaded = load_log(exp_dir)
    assert loaded.stats.loss.tolist() == [0.5, 0.4, 0.3]
    assert loaded.stats.acc.tolist() == [0.1, 0.2, 0.3]


def test_update_log_keywords_of_the_releases(exp_dir: Path) -> None:
    log = DeepLogger(["step"], ["loss"], experiment_dir=exp_dir, verbose=False)
    log.update_log([1], [0.5], network=np.ones(2), plot_to_tboard=FakeFigure())
    log.update_log([2], [0.4], model=np.zeros(2), save=True)  # v0.2.5: model=, save=
    assert log.n_rows == 2
    log.close()
    assert load_checkpoint(exp_dir / "models/seed_0/last.npy").tolist() == [0.0, 0.0]
    assert (exp_dir / "figures/seed_0/update_0.png").read_bytes().startswith(b"\x89PNG")


def test_use_tboard_false_means_no_tensorboard(
    exp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class Writer:
        def __init__(self, logdir: str) -> None:
            opened.append(str(logdir))

        def add_scalar(self, *a: Any) -> None: ...

        def flush(self) -> None: ...

        def close(self) -> None: ...

    monkeypatch.setattr("mle_logger._tboard._summary_writer_class", lambda: Writer)
    off = DeepLogger(["t"], ["x"], experiment_dir=exp_dir, tboard_fname="run", use_tboard=False)
    off.close()
    assert opened == []
    on = DeepLogger(
        ["t"], ["x"], config_fname="cfg_1.json", experiment_dir=exp_dir, use_tboard=True,
        seed_id=1, verbose=False,
    )  # fmt: skip
    on.close()
    assert opened and Path(opened[0]).name == "cfg_1_seed_1"  # named after the config file


def test_unpicklable_model_warns_once_and_training_goes_on(exp_dir: Path) -> None:
    class SVC:  # e.g. a scikit-learn model: the original pickled it, we store no pickles
        pass

    log = DeepLogger(["t"], ["x"], experiment_dir=exp_dir, verbose=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):
            log.update_log([i], [float(i)], model=SVC(), save=True)
    log.close()
    assert len([w for w in caught if "checkpoint not saved" in str(w.message)]) == 1
    assert load_log(exp_dir).stats.x.tolist() == [0.0, 1.0, 2.0]


def _config(tmp_path: Path, train: dict[str, Any]) -> Path:
    cfg = tmp_path / "cfg.json"
    log = {"time_to_track": ["t"], "what_to_track": ["x"]}
    cfg.write_text(json.dumps({"train_config": train, "net_config": {}, "log_config": log}))
    return cfg


def test_get_configs_ready_adds_device_name(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {"lr": 0.1})
    train, _, log = get_configs_ready(argv=["-config", str(cfg), "-seed", "2"])
    assert train.device_name == ("cuda" if _torch_sees_gpu() else "cpu")
    assert train.seed_id == 2 and log.seed_id == 2
    explicit = _config(tmp_path, {"device_name": "cuda:1"})
    train, _, _ = get_configs_ready(argv=["-config", str(explicit)])
    assert train.device_name == "cuda:1"  # the config's own choice stays


def test_device_name_asks_an_imported_torch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = types.ModuleType("torch")
    torch.cuda = types.SimpleNamespace(is_available=lambda: True)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)
    train, _, _ = get_configs_ready(argv=["-config", str(_config(tmp_path, {}))])
    assert train.device_name == "cuda"


def test_seed_era_positional_order_of_get_configs_ready(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {})
    train, _, _ = get_configs_ready(7, str(cfg), argv=[])  # (default_seed, default_config_fname)
    assert train.seed_id == 7


def test_set_random_seeds_reproduces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONHASHSEED", "0")  # restored after the test
    set_random_seeds(3)
    first = (random.random(), np.random.rand())
    set_random_seeds(3)
    assert (random.random(), np.random.rand()) == first
    assert set_random_seeds(None) is None


def _torch_sees_gpu() -> bool:
    torch = sys.modules.get("torch")
    return bool(torch is not None and torch.cuda.is_available())


def test_save_plot_and_save_to_extra_dir_v025(exp_dir: Path) -> None:
    log = DeepLogger(["t"], ["x"], experiment_dir=exp_dir, seed_id="seed_1", verbose=False)
    log.save_plot(FakeFigure(), "_sin_curve.png")  # the v0.2.5 ODE example's call
    log.save_plot(FakeFigure())
    log.save_to_extra_dir({"a": 1}, "../../outside.pkl")  # stays in its folder, no pickle
    log.close()
    assert sorted(p.name for p in (exp_dir / "figures/seed_1").iterdir()) == [
        "fig_1_sin_curve.png",
        "fig_2.png",
    ]
    assert json.loads((exp_dir / "extra/seed_1/outside.json").read_text()) == {"a": 1}


_SEED_LOGGER = (
    "from mle_logger import DeepLogger\n"
    "log = DeepLogger(['t'], ['x'], experiment_dir={exp!r}, verbose=False)\n"
    "log.update_log([1], [1.0]); log.save_log()\n"
)
_LOGGER = (
    "from mle_logger import Logger\n"
    "log = Logger({exp!r})\n"
    "log.update(time={{'t': 1}}, stats={{'x': 1.0}}, save=True)\n"
)


@pytest.mark.parametrize("crash", [False, True])
@pytest.mark.parametrize("api", [_SEED_LOGGER, _LOGGER], ids=["DeepLogger", "Logger"])
def test_folded_at_exit_even_when_torch_was_imported_first(
    tmp_path: Path, crash: bool, api: str
) -> None:
    # torch (like anything using weakref.finalize before h5py is imported) reversed the exit
    # order: h5py's exit hook ran first and the fold failed with "Failed to find converter".
    script = tmp_path / "train.py"
    script.write_text(
        "import weakref\n"
        "class Heavy: pass\n"
        "keep = Heavy(); weakref.finalize(keep, print, '')  # what importing torch does\n"
        + api.format(exp=str(tmp_path / "exp"))
        + ("raise RuntimeError('training failed')\n" if crash else "")
    )
    res = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert (res.returncode != 0) is crash
    assert "converter" not in res.stderr and "expected an mle-logger log" not in res.stderr
    assert not (tmp_path / "exp/logs/seed_0.journal").exists()  # folded into the HDF5 file
    with h5py.File(tmp_path / "exp/logs/seed_0.hdf5", "r") as f:
        assert f["stats/x"][()].tolist() == [1.0]
        assert bool(f["meta"].attrs["finished"]) is not crash
