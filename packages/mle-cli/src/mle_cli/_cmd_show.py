"""One experiment of the registry: where it is, what ran, how it went."""

from __future__ import annotations

import argparse
from datetime import datetime

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="registry id, id prefix, folder name, or a folder")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mle_monitor import read_experiment

    from ._registry import registry

    reg = registry()
    if Path(args.experiment).is_dir():
        rec = read_experiment(args.experiment)
        reg.upsert(rec)
    else:
        rec = reg.get(args.experiment)
        if rec.state == "running" and Path(rec.folder).is_dir():
            rec = read_experiment(rec.folder)  # the folder is the truth
            reg.upsert(rec)
    if args.json:
        console.json(rec.to_dict())
        return 0
    for key, value in rec.to_dict().items():
        if key in ("started", "finished") and value is not None:
            value = datetime.fromtimestamp(value).isoformat(timespec="seconds")
        console.print(f"{key + ':':13} {'-' if value is None else value}")
    return 0
