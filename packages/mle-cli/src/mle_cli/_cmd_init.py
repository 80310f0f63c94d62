"""Write the user config (default backend and resources) without prompting."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._console import console


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", default="local", help="default backend (default: local)")
    p.add_argument("--queue", help="default SGE queue")
    p.add_argument("--partition", help="default Slurm partition")
    p.add_argument("--path", help="where to write (default: ~/.config/mle/config.yaml)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")


def run(args: argparse.Namespace) -> int:
    from mle_config import user_config_path, write_user_config

    path = Path(args.path).expanduser() if args.path else user_config_path()
    write_user_config(
        path, backend=args.backend, queue=args.queue, partition=args.partition, force=args.force
    )
    console.print(f"wrote {path} (default backend: {args.backend})")
    return 0
