"""Loading YAML and commented JSON exactly as the seed writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mle_config import ConfigParseError, load_config
from mle_config._jsonc import strip_comments

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ode"


def test_seed_json_loads_as_printed() -> None:
    cfg = load_config(EXAMPLES / "ode_int_config_1.json")
    assert cfg.train_config.to_dict() == {
        "x_0": 100,
        "t_max": 1000,
        "dt": 0.1,
        "log_every_steps": 1000,
    }
    assert cfg.net_config.to_dict() == {}
    assert cfg.log_config.what_to_track == ("integral",)
    assert cfg.log_config.overwrite_experiment_dir == 0


@pytest.mark.parametrize(
    "name", ["ode_multiple_experiments.yaml", "ode_grid_search.yaml", "ode_smbo_search.yaml"]
)
def test_seed_yaml_loads(name: str) -> None:
    cfg = load_config(EXAMPLES / name)
    assert cfg.meta_job_args.project_name == "ode"


def test_comments_outside_strings_are_ignored_inside_strings_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        '// leading comment\n{\n  "url": "http://example.org/#anchor", # trailing hash\n'
        '  "hash": "#not-a-comment", // trailing slashes\n'
        '  "quote": "a \\"# still\\" string",\n  "list": [1, 2, 3,],\n}\n'
    )
    cfg = load_config(path)
    assert cfg.url == "http://example.org/#anchor"
    assert cfg.hash == "#not-a-comment"
    assert cfg.quote == 'a "# still" string'
    assert cfg.list == (1, 2, 3)


def test_stripping_keeps_line_numbers() -> None:
    text = '{\n# c\n"a": 1, // x\n"b": [1,],\n}\n'
    stripped = strip_comments(text)
    assert len(stripped) == len(text)
    assert stripped.count("\n") == text.count("\n")
    assert json.loads(stripped) == {"a": 1, "b": [1]}


def test_json_error_points_at_the_users_line(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{\n# comment\n"a": 1\n"b": 2\n}\n')
    with pytest.raises(ConfigParseError, match=r"c\.json:4: expected valid JSON"):
        load_config(path)


def test_duplicate_json_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text('{"train_config": {"lr": 1,\n "lr": 2}}\n')
    with pytest.raises(ConfigParseError, match=r"c\.json:2: lr: expected each key once"):
        load_config(path)


def test_yaml_is_read_safely(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigParseError, match="expected valid YAML"):
        load_config(path)
