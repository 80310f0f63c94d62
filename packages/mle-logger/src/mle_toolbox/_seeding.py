"""Random seeds and the training device, as the original toolbox's helpers set them.

Nothing here imports torch or jax unless the script already did (or asks for a jax key).
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np


def _gpu_visible() -> bool:
    """An NVIDIA device is present and not hidden by ``CUDA_VISIBLE_DEVICES``."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    gpus = Path("/proc/driver/nvidia/gpus")
    return Path("/dev/nvidia0").exists() or (gpus.is_dir() and any(gpus.iterdir()))


def device_name() -> str:
    """``"cuda"`` when torch can use a GPU, else ``"cpu"`` (the original's ``device_name``).

    torch is asked only if the script imported it, or if it is installed and a GPU is visible;
    a numpy-only script on a CPU machine never pays for importing torch.
    """
    torch: Any = sys.modules.get("torch")
    if torch is None and _gpu_visible() and importlib.util.find_spec("torch") is not None:
        torch = importlib.import_module("torch")
    if torch is None:
        return "cpu"
    try:
        return "cuda" if torch.cuda.is_available() else "cpu"
    except Exception:  # a broken CUDA set-up is a CPU machine for this purpose
        return "cpu"


def set_random_seeds(seed_id: int | None, return_key: bool = False, verbose: bool = False) -> Any:
    """Seed ``random``, numpy and (if the script imported it) torch, as the original did.

    Also sets ``PYTHONHASHSEED`` for child processes. ``return_key=True`` returns
    ``jax.random.PRNGKey(seed_id)`` (needs jax). ``seed_id=None`` changes nothing.
    """
    if seed_id is None:
        print("set_random_seeds: no seed_id given; the packages' default seeds are used")
        return None
    seed = int(seed_id)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    seeded = ["random", "numpy"]
    torch: Any = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        seeded.append("torch")
    if verbose:
        print(f"-- Random seeds ({', '.join(seeded)}) set to {seed}")
    if return_key:
        try:
            import jax
        except ImportError as exc:
            from mle_logger import MissingDependencyError

            raise MissingDependencyError(
                "set_random_seeds(return_key=True) needs jax (pip install jax)"
            ) from exc
        return jax.random.PRNGKey(seed)
    return None


def get_os_env_ready(
    num_devices: int = 1,
    mem_prealloc_bool: bool = False,
    mem_prealloc_frac: float = 0.9,
    device_type: str = "cpu",
) -> None:
    """Apply a training config's ``device_config`` to this job's environment, as the original.

    ``"cpu"``: XLA sees ``num_devices`` host devices and no GPU. ``"gpu"``: XLA memory
    preallocation as asked; ``CUDA_VISIBLE_DEVICES`` becomes ``0..num_devices-1`` only when the
    scheduler has not set it already (it names the GPUs this job was given).
    """
    if device_type == "cpu":
        os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={int(num_devices)}"
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    elif device_type == "gpu":
        os.environ.setdefault(
            "CUDA_VISIBLE_DEVICES", ",".join(str(i) for i in range(int(num_devices)))
        )
        os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] = "true" if mem_prealloc_bool else "false"
        os.environ["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{float(mem_prealloc_frac)}"
        os.environ["TF_CUDNN_DETERMINISTIC"] = "1"
    else:
        from mle_logger import UnknownKeyError

        raise UnknownKeyError(
            f"device_config.device_type: expected 'cpu' or 'gpu', found {device_type!r} "
            "(TPU set-up was Colab-only in the original and is not supported)"
        )


__all__ = ["device_name", "get_os_env_ready", "set_random_seeds"]
