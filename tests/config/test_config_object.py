"""The Config object: attribute and item access, read-only, to_dict, with_updates."""

from __future__ import annotations

import copy
import pickle

import pytest
from mle_config import Config


def make() -> Config:
    return Config({"train_config": {"lr": 0.1, "layers": [32, 32]}, "name": "x"})


def test_attribute_and_item_access() -> None:
    cfg = make()
    assert cfg.train_config.lr == 0.1
    assert cfg["train_config"]["layers"] == (32, 32)
    assert isinstance(cfg.train_config, Config)
    assert dict(**cfg.train_config) == {"lr": 0.1, "layers": (32, 32)}


def test_read_only() -> None:
    cfg = make()
    with pytest.raises(TypeError):
        cfg.name = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg["name"] = "y"  # type: ignore[index]
    with pytest.raises(AttributeError):
        cfg.train_config.layers.append(3)


def test_missing_attribute_suggests() -> None:
    with pytest.raises(AttributeError, match="did you mean 'train_config'"):
        make().train_confg  # noqa: B018


def test_to_dict_round_trip_is_plain() -> None:
    data = make().to_dict()
    assert data == {"train_config": {"lr": 0.1, "layers": [32, 32]}, "name": "x"}
    assert type(data["train_config"]) is dict
    assert type(data["train_config"]["layers"]) is list


def test_with_updates_derives_a_copy() -> None:
    cfg = make()
    new = cfg.with_updates({"train_config.lr": 0.5, "train_config.seed_id": 3}, extra={"a": 1})
    assert new.train_config.lr == 0.5
    assert new.train_config.seed_id == 3
    assert new.extra.a == 1
    assert cfg.train_config.lr == 0.1
    assert "seed_id" not in cfg.train_config


def test_repr_is_readable() -> None:
    assert repr(Config({"a": 1})) == "Config({'a': 1})"


def test_copy_and_pickle_for_multiprocessing() -> None:
    cfg = make()
    assert copy.deepcopy(cfg) == cfg
    assert pickle.loads(pickle.dumps(cfg)) == cfg


def test_non_string_keys_rejected() -> None:
    with pytest.raises(TypeError):
        Config({1: "a"})  # type: ignore[dict-item]
