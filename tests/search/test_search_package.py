"""mle-search stands alone: no sibling imports, no heavy imports or global state on import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from mle_search import RandomSearch, SearchConfigError, Space, make_strategy

SRC = Path(__file__).resolve().parents[2] / "packages" / "mle-search" / "src" / "mle_search"
ALLOWED = set(sys.stdlib_module_names) | {"numpy", "sklearn", "skopt"}


def test_sources_import_only_stdlib_numpy_and_the_smbo_extra() -> None:
    for path in SRC.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= ALLOWED, f"{path.name} imports {roots}"


def test_import_loads_no_sibling_and_no_scikit_and_changes_no_global_state() -> None:
    code = (
        "import logging, os, sys, numpy as np\n"
        "env = dict(os.environ); state = np.random.get_state()[1].copy()\n"
        "import mle_search\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('mle_config', 'mle_logger', 'mle_scheduler', 'mle_cli', 'sklearn', 'skopt')]\n"
        "assert not bad, bad\n"
        "assert dict(os.environ) == env\n"
        "assert (np.random.get_state()[1] == state).all()\n"
        "assert not logging.getLogger().handlers\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_make_strategy_checks_type_and_options() -> None:
    config = {"integer": {"n": {"begin": 1, "end": 3}}}
    with pytest.raises(SearchConfigError, match=r"grid, random, coordinate, smbo.*'bayes'"):
        make_strategy("bayes", config)
    with pytest.raises(SearchConfigError, match=r"'n_initial_points'.*allowed: none"):
        make_strategy("grid", config, n_initial_points=3)
    with pytest.raises(SearchConfigError, match=r"'orders'.*order"):
        make_strategy("coordinate", config, orders=["n"])
    strategy = make_strategy("RANDOM", Space.from_config(config), seed=1, maximize=True)
    assert isinstance(strategy, RandomSearch) and strategy.maximize and strategy.seed == 1


def test_works_with_numpy_as_its_only_dependency(tmp_path: Path) -> None:
    """mle-search alone: a Python with the stdlib, numpy and mle_search and nothing else."""
    import numpy
    import tomllib

    meta = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text())["project"]
    assert [d for d in meta["dependencies"] if not d.startswith("numpy")] == []
    site = tmp_path / "site"
    site.mkdir()
    numpy_dir = Path(numpy.__file__).parent
    for path in [numpy_dir, numpy_dir.with_name("numpy.libs"), SRC]:
        if path.exists():
            (site / path.name).symlink_to(path)
    code = (
        "import sys, warnings\n"
        f"sys.path.insert(0, {str(site)!r})\n"
        "from mle_search import HyperLog, SMBOSearch, SearchDependencyError, make_strategy\n"
        "for sibling in ('mle_config', 'mle_logger', 'mle_scheduler', 'skopt', 'yaml'):\n"
        "    try:\n        __import__(sibling)\n    except ImportError:\n        pass\n"
        "    else:\n        raise SystemExit(sibling + ' is importable: not an isolated test')\n"
        "s = make_strategy('random', {'integer': {'n': {'begin': 1, 'end': 3}}}, seed=0)\n"
        "p = s.ask(3)\n"
        "log = HyperLog(sys.argv[1])\n"
        "[log.append(q, [1.0]) for q in p]\n"
        "assert len(make_strategy('grid', s.space, history=log.read()).history) == 3\n"
        "try:\n    SMBOSearch(s.space)\nexcept SearchDependencyError:\n    print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(tmp_path / "h.jsonl")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
