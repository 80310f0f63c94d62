"""Checkpoints, figures and extras; nothing read back is unpickled without an explicit opt-in."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mle_logger import (
    Logger,
    PickleRefusedError,
    UnsupportedObjectError,
    load_checkpoint,
    load_extra,
    load_log,
    merge_logs,
)


class Boom:
    """Unpickling this touches a marker file: proof that a loader unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_checkpoints_every_k_and_top_k_by_metric(exp_dir: Path) -> None:
    log = Logger(exp_dir, save_every_k_ckpt=2, save_top_k_ckpt=2, top_k_metric_name="loss")
    for i, loss in enumerate([5.0, 3.0, 4.0, 1.0, 2.0]):
        log.update(time={"step": i}, stats={"loss": loss}, model={"w": np.full(3, float(i))})
    log.close()
    folder = exp_dir / "models" / "seed_0"
    index = json.loads((folder / "checkpoints.json").read_text())
    assert [e["update"] for e in index["top"]] == [3, 4]  # best two losses: 1.0, 2.0
    assert [e["update"] for e in index["every"]] == [1, 3]  # the 2nd and 4th, as mle-logging
    names = sorted(p.name for p in folder.glob("*.npz"))
    assert names == ["last.npz", "top_update_3.npz", "top_update_4.npz",
                     "update_1.npz", "update_3.npz"]  # fmt: skip
    assert load_checkpoint(folder / "top_update_3.npz")["w"].tolist() == [3.0, 3.0, 3.0]
    assert load_checkpoint(folder / "last.npz")["w"].tolist() == [4.0, 4.0, 4.0]


def test_top_k_maximize_and_array_checkpoints(exp_dir: Path) -> None:
    log = Logger(exp_dir, save_top_k_ckpt=1, top_k_metric_name="acc", top_k_minimize_metric=False)
    for i, acc in enumerate([0.1, 0.9, 0.5]):
        log.update(stats={"acc": acc}, model=np.arange(3) * i)
    log.close()
    index = json.loads((exp_dir / "models" / "seed_0" / "checkpoints.json").read_text())
    assert [(e["update"], e["file"]) for e in index["top"]] == [(1, "top_update_1.npy")]
    assert load_checkpoint(exp_dir / "models/seed_0/top_update_1.npy").tolist() == [0, 1, 2]


def test_nested_checkpoint_round_trips(exp_dir: Path) -> None:
    state = {"net": {"w": np.eye(2), "b": np.zeros(2)}, "step": 7}
    log = Logger(exp_dir)
    log.save_model(state)
    log.close()
    back = load_checkpoint(exp_dir / "models/seed_0/last.npz")
    assert np.array_equal(back["net"]["w"], np.eye(2)) and int(back["step"]) == 7


def test_unsupported_objects_are_refused_clearly(exp_dir: Path) -> None:
    log = Logger(exp_dir)
    with pytest.raises(UnsupportedObjectError, match="expected a numpy array, a mapping"):
        log.save_model(object())
    with pytest.raises(UnsupportedObjectError, match="'opt': expected an array or number"):
        log.save_model({"opt": None})
    with pytest.raises(UnsupportedObjectError, match="JSON-able"):
        log.update(stats={"x": 1}, extra={1, 2})
    log.close()


def test_extras_and_figures(exp_dir: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().plot([1, 2, 3])
    log = Logger(exp_dir, seed_id=4)
    log.update(stats={"x": 1.0}, extra={"acc": np.float32(0.5), "hist": np.arange(3)}, figure=fig)
    path = log.save_extra(np.ones((2, 2)), "weights")
    log.close()
    assert load_extra(exp_dir / "extra/seed_4/update_0.json") == {"acc": 0.5, "hist": [0, 1, 2]}
    assert load_extra(path).tolist() == [[1.0, 1.0], [1.0, 1.0]]
    png = exp_dir / "figures/seed_4/update_0.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_loader_unpickles_without_opt_in(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    pkl = tmp_path / "extra.pkl"
    pkl.write_bytes(pickle.dumps(Boom(marker)))
    npy = tmp_path / "model.npy"
    np.save(npy, np.array([Boom(marker)], dtype=object), allow_pickle=True)
    npz = tmp_path / "model.npz"
    np.savez(npz, w=np.array([Boom(marker)], dtype=object))
    for path in (pkl, npy, npz):
        with pytest.raises(PickleRefusedError, match="allow_pickle=True"):
            load_checkpoint(path)
        with pytest.raises(PickleRefusedError):
            load_extra(path)
    assert not marker.exists()
    load_extra(pkl, allow_pickle=True)  # the explicit opt-in does unpickle
    assert marker.exists()


def test_logs_are_read_without_pickle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used")

    with Logger(tmp_path, seed_id=0) as log:
        log.update(time={"step": 1}, stats={"x": 1.0}, extra={"a": 1}, model={"w": np.ones(2)})
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert load_log(tmp_path).stats.x.tolist() == [1.0]
    assert load_log(merge_logs(tmp_path)).stats.x.tolist() == [1.0]
    assert load_checkpoint(tmp_path / "models/seed_0/last.npz")["w"].tolist() == [1.0, 1.0]


def test_torch_state_dict_round_trip(exp_dir: Path) -> None:
    torch = pytest.importorskip("torch")
    net = torch.nn.Linear(3, 2)
    log = Logger(exp_dir)
    log.update(stats={"loss": 1.0}, model=net)
    log.close()
    state = load_checkpoint(exp_dir / "models/seed_0/last.npz", as_torch=True)
    other = torch.nn.Linear(3, 2)
    other.load_state_dict(state)
    assert torch.equal(other.weight, net.weight)
