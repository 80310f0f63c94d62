"""Resolve the relative paths an experiment YAML names."""

from __future__ import annotations

from pathlib import Path

__all__ = ["candidate_paths", "resolve_path"]


def candidate_paths(name: str, yaml_path: Path, cwd: Path) -> list[Path]:
    """Where a relative ``name`` is looked for, in order: the working directory, then the
    YAML's own folder, then that folder's parents (so ``ode/run.py`` in ``examples/ode/x.yaml``
    is found both from ``examples/`` and from ``examples/ode/``)."""
    p = Path(name).expanduser()
    if p.is_absolute():
        return [p]
    out = [cwd / p]
    folder = yaml_path.resolve().parent
    for base in (folder, *folder.parents):
        if base / p not in out:
            out.append(base / p)
    return out


def resolve_path(name: str, yaml_path: Path, cwd: Path) -> tuple[Path | None, list[Path]]:
    """The first existing candidate for ``name`` (absolute), and the list tried (first two
    are the working directory and the YAML's folder)."""
    tried = candidate_paths(name, yaml_path, cwd)
    for path in tried:
        if path.exists():
            return path.resolve(), tried
    return None, tried
