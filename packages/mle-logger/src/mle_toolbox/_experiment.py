"""``MLExperiment`` and the ``@experiment`` decorator of the original toolbox (v0.2.6 to v0.3.4).

A training script reads its configuration and gets a logger in one line::

    mle = MLExperiment(config_fname="base_config.yaml")   # -config/-seed/-exp_dir override
    mle.log.update({"step": 1}, {"loss": 0.5}, save=True)

The configs are mutable dot-dicts (like the original's ``DotMap``); ``mle.log`` is
:class:`mle_logger._legacy_logger.MLELogger` writing ``<exp_dir>/logs/seed_<id>.hdf5``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ._seeding import device_name, get_os_env_ready, set_random_seeds

R = TypeVar("R")
_DEFAULT_LOG_CONFIG = {"time_to_track": ["num_updates"], "what_to_track": ["loss"]}
_CKPT_KEYS = ("ckpt", "model_ckpt")
_EXTRA_CKPT_KEYS = ("sh_ckpt", "pbt_ckpt")


class DotDict(dict[str, Any]):
    """A dict with attribute access (``cfg.lrate``), nested dicts converted, mutable."""

    def __init__(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        super().__init__()
        for k, v in {**(data or {}), **kwargs}.items():
            self[k] = v

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, _wrap(value))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, list(self), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise AttributeError(f"config has no key {name!r}{hint}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def toDict(self) -> dict[str, Any]:  # DotMap's spelling
        """A deep copy as plain dicts and lists."""
        return _unwrap(self)  # type: ignore[no-any-return]

    to_dict = toDict


def _wrap(value: Any) -> Any:
    if isinstance(value, DotDict):
        return value
    if isinstance(value, Mapping):
        return DotDict(value)
    if isinstance(value, (list, tuple)):
        return [_wrap(v) for v in value]
    return value


def _unwrap(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _parser(seed: int, exp_dir: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Run one job of an mle experiment.", add_help=False)
    p.add_argument("-config", "--config_fname", dest="config_fname", default=None)
    p.add_argument("-exp_dir", "--experiment_dir", dest="experiment_dir", default=exp_dir)
    p.add_argument("-seed", "--seed_id", dest="seed_id", type=int, default=seed)
    p.add_argument("-model_ckpt", "--model_ckpt_path", dest="model_ckpt_path", default=None)
    for name in ("wb_project", "wb_group", "wb_name"):  # accepted; W&B is not supported
        p.add_argument(f"-{name}", f"--{name}", dest=name, default=None)
    return p


def extra_cmd_line_input(extra: Sequence[str]) -> DotDict | None:
    """``-key value`` pairs after the standard arguments (``extra_cmd_line_input`` in the YAML);
    numbers become floats, as in the original."""
    if not extra:
        return None
    out = DotDict()
    for key, value in zip(extra[0::2], extra[1::2], strict=False):
        parsed: Any = value
        with contextlib.suppress(ValueError):
            parsed = float(value)
        out[key.lstrip("-")] = parsed
    return out


class MLExperiment:
    """Reads ``-config``, ``-seed``, ``-exp_dir`` (and ``-model_ckpt``, extra ``-key value``
    pairs), loads the training config and, unless ``auto_setup=False``, seeds the random
    number generators and opens ``self.log``.

    Attributes as in the original: ``train_config`` (with ``seed_id``), ``model_config``
    (= ``net_config``), ``log_config``, ``device_config``, ``extra_config``, ``seed_id``,
    ``config_fname``, ``experiment_dir``, ``log``, ``model_ckpt`` (the loaded checkpoint or
    None), ``model_ckpt_path``, ``rng`` (with ``create_jax_prng=True``).
    Keyword spellings of every release are accepted (``default_config_fname``,
    ``default_experiment_dir``, ``default_seed``).
    """

    def __init__(
        self,
        config_fname: str = "configs/base_config.json",
        experiment_dir: str = "experiments/",
        seed_id: int = 0,
        auto_setup: bool = True,
        create_jax_prng: bool = False,
        train_config: Mapping[str, Any] | None = None,
        log_config: Mapping[str, Any] | None = None,
        model_config: Mapping[str, Any] | None = None,
        device_config: Mapping[str, Any] | None = None,
        *,
        default_config_fname: str | None = None,
        default_experiment_dir: str | None = None,
        default_seed: int | None = None,
        argv: Sequence[str] | None = None,
    ) -> None:
        config_fname = default_config_fname or config_fname
        experiment_dir = default_experiment_dir or experiment_dir
        seed_id = default_seed if default_seed is not None else seed_id
        args, extra = _parser(seed_id, experiment_dir).parse_known_args(
            None if argv is None else list(argv)
        )
        configs = _load_job_config(args.config_fname, config_fname)
        self.config_fname: str | None = configs.pop("_config_fname")
        self.train_config = DotDict(configs.get("train_config") or {})
        self.train_config.seed_id = int(args.seed_id)
        if self.train_config.get("device_name", "cpu") in (None, "", "auto", "cuda"):
            self.train_config.device_name = device_name()  # as the original: what torch sees
        section = configs.get("model_config", configs.get("net_config"))
        self.model_config: DotDict | None = None if section is None else DotDict(section)
        self.log_config = DotDict(configs.get("log_config") or _DEFAULT_LOG_CONFIG)
        self.log_config.update(
            experiment_dir=str(args.experiment_dir),
            seed_id=int(args.seed_id),
            config_fname=self.config_fname,
        )
        section = configs.get("device_config")
        self.device_config: DotDict | None = None if section is None else DotDict(section)
        for target, ext in (
            (self.train_config, train_config),
            (self.log_config, log_config),
            (self.device_config, device_config),
        ):
            if ext and target is not None:
                target.update(DotDict(ext))
        if model_config:
            self.model_config = DotDict({**(self.model_config or {}), **model_config})
        if device_config and self.device_config is None:
            self.device_config = DotDict(device_config)
        self.extra_config = extra_cmd_line_input(extra)
        self.create_jax_prng = create_jax_prng
        self.default_seed = seed_id
        self.seed_id = int(args.seed_id)
        self.experiment_dir = str(args.experiment_dir)
        self.model_ckpt_path: str | None = args.model_ckpt_path or _ckpt_from_config(
            self.train_config
        )
        self.model_ckpt: Any = None
        self.rng: Any = None
        self.wb_project, self.wb_group, self.wb_name = args.wb_project, args.wb_group, args.wb_name
        if auto_setup:
            self.setup()

    @property
    def net_config(self) -> DotDict | None:
        """The v0.2 name of :attr:`model_config`."""
        return self.model_config

    @property
    def log_dir(self) -> str:
        """The v0.3.0 name of :attr:`experiment_dir`."""
        return self.experiment_dir

    def setup(self) -> None:
        """Apply ``device_config``, seed the random number generators, open ``self.log`` and
        load ``model_ckpt``."""
        from mle_logger._legacy_logger import MLELogger

        self.seed_id = int(self.train_config.seed_id)
        self.log_config.seed_id = self.seed_id
        if self.device_config is not None:
            get_os_env_ready(**self.device_config)
        self.rng = set_random_seeds(self.seed_id, return_key=self.create_jax_prng)
        self.log = MLELogger(**self.log_config)
        self.experiment_dir = str(self.log.experiment_dir)
        if self.model_ckpt_path is not None:
            from mle_logger import load_checkpoint

            torch = self.log_config.get("model_type") == "torch"
            self.model_ckpt = load_checkpoint(self.model_ckpt_path, as_torch=torch)

    def update_log(
        self,
        clock_tick: Mapping[str, Any] | Sequence[Any],
        stats_tick: Mapping[str, Any] | Sequence[Any],
        model: Any = None,
        plot_fig: Any = None,
        extra_obj: Any = None,
        save: bool = False,
    ) -> None:
        """``self.log.update(...)``; lists are matched to ``time_to_track``/``what_to_track``."""
        self.log.update(
            _by_name(clock_tick, self.log_config.get("time_to_track", ()), "clock_tick"),
            _by_name(stats_tick, self.log_config.get("what_to_track", ()), "stats_tick"),
            model,
            plot_fig,
            extra_obj,
            save=save,
        )

    def ready_to_log(self, update_counter: int) -> bool:
        """True every ``log_config.log_every_j_steps`` updates (always when it is not set)."""
        return self.log.ready_to_log(update_counter)


class MLE_Experiment(MLExperiment):  # the v0.2.6 name
    """The v0.2.6 spelling: ``MLE_Experiment(config_fname, auto_setup=True)``."""

    def __init__(
        self, config_fname: str = "configs/base_config.json", auto_setup: bool = True, **kw: Any
    ) -> None:
        super().__init__(config_fname, auto_setup=auto_setup, **kw)


def _by_name(tick: Mapping[str, Any] | Sequence[Any], names: Sequence[str], what: str) -> Any:
    if isinstance(tick, Mapping):
        return tick
    from mle_logger import LogUpdateError

    names = list(names)
    if len(tick) != len(names):
        raise LogUpdateError(
            f"update_log: {what} has {len(tick)} value(s), expected {len(names)} for {names}"
        )
    return dict(zip(names, tick, strict=True))


def _find(name: str) -> Path:
    """A relative default config: the working directory first, then beside the script."""
    import sys

    path = Path(name)
    if path.is_absolute() or path.exists():
        return path
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if main and (Path(main).resolve().parent / path).exists():
        return Path(main).resolve().parent / path
    return path


def _load_job_config(given: str | None, default: str) -> dict[str, Any]:
    """The training config as plain dicts. A missing *default* config falls back to a minimal
    one with a warning (as the original did); a missing ``-config`` file is an error."""
    from mle_config import load_config

    path = Path(given) if given is not None else _find(default)
    if given is None and not path.exists():
        warnings.warn(
            f"{default} does not exist; using a minimal config (log_config {_DEFAULT_LOG_CONFIG})",
            RuntimeWarning,
            stacklevel=4,
        )
        return {"_config_fname": None, "train_config": {}, "log_config": _DEFAULT_LOG_CONFIG}
    data = load_config(path).to_dict()
    data["_config_fname"] = str(path)
    return data


def _ckpt_from_config(train_config: Mapping[str, Any]) -> str | None:
    """A checkpoint path the search wrote into the config (``ckpt``, ``extra.pbt_ckpt``, ...)."""
    found: Any = None
    for key in _CKPT_KEYS:
        found = train_config.get(key, found)
    extra = train_config.get("extra")
    if isinstance(extra, Mapping):
        for key in _EXTRA_CKPT_KEYS:
            found = extra.get(key, found)
    return None if found is None else str(found)


def experiment(
    config_fname: str = "configs/base_config.json",
    experiment_dir: str = "experiments/",
    seed_id: int = 0,
    auto_setup: bool = True,
    create_jax_prng: bool = False,
    train_config: Mapping[str, Any] | None = None,
    log_config: Mapping[str, Any] | None = None,
    model_config: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """``@experiment("base_config.yaml")`` builds one :class:`MLExperiment` (reading the command
    line, as the original did, when the script is loaded) and passes it as the function's first
    argument: ``def main(mle): ...`` is then called as ``main()``."""
    mle = MLExperiment(
        config_fname,
        experiment_dir,
        seed_id,
        auto_setup,
        create_jax_prng,
        train_config,
        log_config,
        model_config,
    )

    def decorator(function: Callable[..., R]) -> Callable[..., R]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> R:
            return function(mle, *args, **kwargs)

        return wrapper

    return decorator


__all__ = ["DotDict", "MLE_Experiment", "MLExperiment", "experiment", "extra_cmd_line_input"]
