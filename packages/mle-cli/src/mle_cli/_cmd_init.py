"""``mle init``: write the user config without prompting."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._userconfig import user_config_path, write_user_config


def cmd_init(args: argparse.Namespace) -> int:
    path = Path(args.path).expanduser() if args.path else user_config_path()
    write_user_config(
        path, backend=args.backend, queue=args.queue, partition=args.partition, force=args.force
    )
    print(f"wrote {path} (default backend: {args.backend})")
    return 0
