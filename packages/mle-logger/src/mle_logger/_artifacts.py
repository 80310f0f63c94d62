"""Checkpoints, figures and extras: saved beside the log without pickle, loaded without pickle.

Checkpoints: a numpy array is saved as ``.npy``; a mapping of arrays (nested mappings are flattened
with ``/``) or a torch module / ``state_dict`` as ``.npz``. Figures: anything with ``savefig``
(matplotlib) as ``.png``. Extras: numpy arrays as ``.npy``, JSON-able objects as ``.json``.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._files import atomic_file, atomic_text
from .errors import MissingDependencyError, PickleRefusedError, UnsupportedObjectError

_PICKLE_SUFFIXES = {".pkl", ".pickle", ".pt", ".pth", ".ckpt"}


def _torch_class(*names: str) -> type | None:
    """``torch.<names>`` if the user's script imported torch (never imports it ourselves)."""
    obj: Any = sys.modules.get("torch")
    for name in names:
        obj = getattr(obj, name, None)
    return obj if isinstance(obj, type) else None


def _is_torch_module(obj: Any) -> bool:
    """A ``torch.nn.Module``, including a user's own ``class Net(nn.Module)``."""
    module_cls = _torch_class("nn", "Module")
    return module_cls is not None and isinstance(obj, module_cls)


def _is_tensor(obj: Any) -> bool:
    tensor_cls = _torch_class("Tensor")
    return tensor_cls is not None and isinstance(obj, tensor_cls)


def _to_numpy(value: Any, key: str) -> np.ndarray:
    if _is_tensor(value):  # detach, move to CPU
        t = value.detach().cpu()
        if str(t.dtype) == "torch.bfloat16":
            t = t.float()
        value = t.numpy()
    arr = np.asarray(value)
    if arr.dtype == object:
        raise UnsupportedObjectError(
            f"checkpoint entry {key!r}: expected an array or number, found {type(value).__name__}"
        )
    return arr


def _flatten(obj: Mapping[Any, Any], prefix: str, out: dict[str, np.ndarray]) -> None:
    for k, v in obj.items():
        if not isinstance(k, str) or "/" in k:
            raise UnsupportedObjectError(
                f"checkpoint key {prefix + str(k)!r}: expected a string without '/', found {k!r}"
            )
        if isinstance(v, Mapping):
            _flatten(v, f"{prefix}{k}/", out)
        else:
            out[prefix + k] = _to_numpy(v, prefix + k)


def checkpoint_arrays(model: Any) -> np.ndarray | dict[str, np.ndarray]:
    """The arrays a checkpoint of ``model`` holds (a single array, or a flat name -> array dict)."""
    if _is_torch_module(model):
        model = model.state_dict()
    if isinstance(model, Mapping):
        flat: dict[str, np.ndarray] = {}
        _flatten(model, "", flat)
        return flat
    if isinstance(model, (np.ndarray, np.generic, list, tuple, int, float)) or _is_tensor(model):
        return _to_numpy(model, "<model>")
    if hasattr(model, "__array__"):  # jax, cupy and other array types
        return _to_numpy(model, "<model>")
    raise UnsupportedObjectError(
        "model: expected a numpy array, a mapping of arrays, a list of numbers "
        f"or a torch module/state_dict; found {type(model).__name__}"
    )


def save_checkpoint(model: Any, path_stem: Path) -> Path:
    """Save ``model`` as ``<path_stem>.npy`` or ``.npz`` atomically; returns the file written."""
    arrays = checkpoint_arrays(model)
    if isinstance(arrays, np.ndarray):
        path = path_stem.with_suffix(".npy")
        atomic_file(path, lambda tmp: np.save(tmp, arrays, allow_pickle=False))
    else:
        path = path_stem.with_suffix(".npz")
        atomic_file(path, lambda tmp: np.savez(tmp, **arrays))  # type: ignore[arg-type]
    return path


def _refuse_pickle(path: Path, allow_pickle: bool) -> None:
    if path.suffix in _PICKLE_SUFFIXES and not allow_pickle:
        raise PickleRefusedError(
            f"{path}: {path.suffix} files are pickles and can run code when loaded; "
            "pass allow_pickle=True only if you trust the file"
        )


def _unflatten(flat: Mapping[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, arr in flat.items():
        parts = key.split("/")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = arr
    return out


def load_checkpoint(path: str | Path, *, allow_pickle: bool = False, as_torch: bool = False) -> Any:
    """Load a checkpoint: ``.npy`` -> array, ``.npz`` -> dict (nested back along ``/``).

    ``as_torch=True`` converts the arrays to torch tensors (ready for ``load_state_dict``).
    Pickle-based files (``.pt``, ``.pkl``) are refused unless ``allow_pickle=True``.
    """
    path = Path(path)
    _refuse_pickle(path, allow_pickle)
    if path.suffix in _PICKLE_SUFFIXES:  # the caller opted in
        if path.suffix in {".pkl", ".pickle"}:
            import pickle

            with path.open("rb") as fh:
                return pickle.load(fh)  # noqa: S301 - explicit opt-in above
        return _import_torch().load(path, weights_only=False)
    if path.suffix not in {".npy", ".npz"}:
        raise UnsupportedObjectError(f"{path}: expected a .npy or .npz checkpoint")
    result = _load_numpy(path)
    if as_torch:
        torch = _import_torch()
        return _map_arrays(result, torch.from_numpy)
    return result


def _load_numpy(path: Path) -> Any:
    try:
        if path.suffix == ".npy":
            return np.load(path, allow_pickle=False)
        with np.load(path, allow_pickle=False) as z:
            return _unflatten({k: z[k] for k in z.files})
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise
        raise PickleRefusedError(
            f"{path}: holds pickled objects, which can run code when loaded; "
            "pass allow_pickle=True only if you trust the file"
        ) from exc


def _map_arrays(obj: Any, fn: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _map_arrays(v, fn) for k, v in obj.items()}
    return fn(obj)


def _import_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise MissingDependencyError("this needs torch (pip install torch)") from exc
    return torch


def _copy(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)


def save_figure(figure: Any, path: Path) -> Path:
    """Save a matplotlib figure (anything with ``savefig``) as PNG, or copy an image file."""
    if isinstance(figure, (str, Path)):
        src = Path(figure)
        if not src.is_file():
            raise UnsupportedObjectError(
                f"figure: expected a figure or an image file, {src} is missing"
            )
        path = path.with_suffix(src.suffix)
        atomic_file(path, lambda tmp: _copy(src, tmp))
        return path
    if not callable(getattr(figure, "savefig", None)):
        raise UnsupportedObjectError(
            f"figure: expected a matplotlib figure (with savefig), found {type(figure).__name__}"
        )
    path = path.with_suffix(".png")
    atomic_file(path, lambda tmp: figure.savefig(tmp, format="png"))
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return obj.tolist()
    raise TypeError(type(obj).__name__)


def save_extra(obj: Any, path: Path) -> Path:
    """Save a numpy array as ``.npy`` or a JSON-able object as ``.json`` (never pickled)."""
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            raise UnsupportedObjectError("extra: object arrays would need pickle; use plain dtypes")
        path = path.with_suffix(".npy")
        atomic_file(path, lambda tmp: np.save(tmp, obj, allow_pickle=False))
        return path
    try:
        text = json.dumps(obj, default=_json_default)
    except (TypeError, ValueError) as exc:
        raise UnsupportedObjectError(
            "extra: expected a numpy array or a JSON-able object, "
            f"found {type(obj).__name__} ({exc})"
        ) from exc
    path = path.with_suffix(".json")
    atomic_text(path, text)
    return path


def load_extra(path: str | Path, *, allow_pickle: bool = False) -> Any:
    """Load an extra saved by the logger (``.json`` or ``.npy``); pickles only with opt-in."""
    path = Path(path)
    _refuse_pickle(path, allow_pickle)
    if path.suffix == ".json":
        return json.loads(path.read_text())
    if path.suffix in {".npy", ".npz"}:
        return load_checkpoint(path)
    if path.suffix in {".pkl", ".pickle"}:
        return load_checkpoint(path, allow_pickle=True)
    raise UnsupportedObjectError(f"{path}: expected a .json or .npy extra")
