"""A user's own ``class Net(nn.Module)`` is checkpointed like ``nn.Sequential``.

torch is not needed: a fake ``torch`` module hierarchy stands in for it (the logger looks torch
up in ``sys.modules`` and never imports it). The real-torch test runs where torch is installed.
"""

from __future__ import annotations

import sys
import types
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mle_logger import DeepLogger, Logger, UnsupportedObjectError, load_checkpoint


class _FakeTensor:
    def __init__(self, values: Any) -> None:
        self.values = np.asarray(values, dtype=np.float32)
        self.dtype = "torch.float32"

    def detach(self) -> _FakeTensor:
        return self

    def cpu(self) -> _FakeTensor:
        return self

    def numpy(self) -> np.ndarray:
        return self.values


class _FakeModule:
    def __init__(self) -> None:
        self._params: OrderedDict[str, Any] = OrderedDict()

    def state_dict(self) -> OrderedDict[str, Any]:
        return OrderedDict(self._params)


@pytest.fixture
def fake_torch(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """``torch`` with ``torch.Tensor`` and ``torch.nn.Module``, as a script would have imported."""
    torch = types.ModuleType("torch")
    nn = types.ModuleType("torch.nn")
    tensor_cls = type("Tensor", (_FakeTensor,), {"__module__": "torch"})
    module_cls = type("Module", (_FakeModule,), {"__module__": "torch.nn.modules.module"})
    sequential = type("Sequential", (module_cls,), {"__module__": "torch.nn.modules.container"})
    nn.Module = module_cls  # type: ignore[attr-defined]
    nn.Sequential = sequential  # type: ignore[attr-defined]
    torch.nn = nn  # type: ignore[attr-defined]
    torch.Tensor = tensor_cls  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch.nn", nn)
    return torch


def _user_net(torch: Any) -> Any:
    class Net(torch.nn.Module):  # type: ignore[misc,name-defined]
        """Defined in the user's script: its module is __main__ (here: this test module)."""

        def __init__(self) -> None:
            super().__init__()
            self._params["fc.weight"] = torch.Tensor([[1.0, 2.0], [3.0, 4.0]])
            self._params["fc.bias"] = torch.Tensor([0.5, -0.5])

    return Net()


def test_user_subclass_is_saved_like_sequential(exp_dir: Path, fake_torch: Any) -> None:
    net = _user_net(fake_torch)
    assert type(net).__module__ == __name__  # not "torch...": the old check refused this
    seq = fake_torch.nn.Sequential()
    seq._params["0.weight"] = fake_torch.Tensor([1.0])
    with Logger(exp_dir) as log:
        log.update(stats={"loss": 1.0}, model=net)
        log.update(stats={"loss": 0.5}, model=seq)
        log.save_model(net)
    state = load_checkpoint(exp_dir / "models/seed_0/last.npz")
    assert state["fc.weight"].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert state["fc.bias"].tolist() == [0.5, -0.5]


def test_deep_logger_save_network_and_update_log_network(exp_dir: Path, fake_torch: Any) -> None:
    net = _user_net(fake_torch)
    log = DeepLogger(["epoch"], ["loss"], experiment_dir=exp_dir, verbose=False)
    log.update_log([1], [0.3], network=net)
    log.save_log()
    log.save_network(net)  # the seed era's call after every epoch
    log.close()
    assert load_checkpoint(exp_dir / "models/seed_0/last.npz")["fc.bias"].tolist() == [0.5, -0.5]


def test_state_dict_method_alone_does_not_make_a_torch_module(
    exp_dir: Path, fake_torch: Any
) -> None:
    class NotTorch:
        def state_dict(self) -> dict[str, Any]:
            return {"w": np.ones(2)}

    with Logger(exp_dir) as log, pytest.raises(UnsupportedObjectError, match="NotTorch"):
        log.save_model(NotTorch())


def test_torch_is_never_imported_by_the_logger(exp_dir: Path) -> None:
    if "torch" in sys.modules:
        pytest.skip("torch was imported by another test")
    with Logger(exp_dir) as log:
        log.update(stats={"loss": 1.0}, model={"w": np.zeros(2)})
    assert "torch" not in sys.modules


def test_real_torch_user_module(exp_dir: Path) -> None:
    torch = pytest.importorskip("torch")

    class Net(torch.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(3, 2)

    net = Net()
    with Logger(exp_dir) as log:
        log.update(stats={"loss": 1.0}, model=net)
    state = load_checkpoint(exp_dir / "models/seed_0/last.npz", as_torch=True)
    other = Net()
    other.load_state_dict(state)
    assert torch.equal(other.fc.weight, net.fc.weight)
