"""The training-script contract: `python train.py -config C.json -seed S -exp_dir D`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mle_config import ConfigFileNotFoundError, get_configs_ready

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "ode"


@pytest.mark.parametrize("dash", ["-", "--"])
def test_arguments_reach_the_configs(dash: str, tmp_path: Path) -> None:
    train, net, log = get_configs_ready(
        argv=[
            f"{dash}config",
            str(EXAMPLES / "ode_int_config_2.json"),
            f"{dash}seed",
            "7",
            f"{dash}exp_dir",
            str(tmp_path),
        ],
    )
    assert train.seed_id == 7
    assert train.x_0 == 50
    assert net.to_dict() == {}
    assert log.seed_id == 7
    assert log.experiment_dir == str(tmp_path)
    assert log.config_fname.endswith("ode_int_config_2.json")
    assert log.what_to_track == ("integral",)


def test_defaults_without_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    train, _, log = get_configs_ready(default_config_fname="ode_int_config_1.json", argv=[])
    assert train.seed_id == 0
    assert train.x_0 == 100
    assert log.experiment_dir == "experiments/"


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileNotFoundError, match=r"nope\.json: file not found"):
        get_configs_ready(argv=["-config", str(tmp_path / "nope.json")])


def test_real_script_subprocess(tmp_path: Path) -> None:
    """A script run as the CLI will run it, from another folder: the default config is found
    beside the script, and the arguments arrive."""
    script = tmp_path / "scripts" / "train.py"
    script.parent.mkdir()
    (script.parent / "default.json").write_text(
        '{"train_config": {"lr": 0.1}, # c\n "log_config": {}}'
    )
    script.write_text(
        "import json\nfrom mle_config import get_configs_ready\n"
        "t, n, l = get_configs_ready(default_config_fname='default.json')\n"
        "print(json.dumps({'train': t.to_dict(), 'log': l.to_dict()}))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script), "-seed", "4"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["train"] == {"lr": 0.1, "seed_id": 4}
    assert data["log"]["seed_id"] == 4
