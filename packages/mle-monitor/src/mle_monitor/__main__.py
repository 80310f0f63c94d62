"""``python -m mle_monitor``: the dashboard of ``mle monitor`` without the ``mle`` command."""

from __future__ import annotations

import argparse
import sys

from ._dashboard import run_monitor
from ._registry import Registry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mle_monitor", description=__doc__)
    parser.add_argument(
        "--registry",
        help="registry file (default: $MLE_REGISTRY or $XDG_DATA_HOME/mle/registry.db)",
    )
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between refreshes")
    parser.add_argument("--once", action="store_true", help="print one refresh and exit")
    parser.add_argument("--plain", action="store_true", help="plain lines, even on a terminal")
    parser.add_argument("focus", nargs="?", help="experiment id to show first")
    args = parser.parse_args(argv)
    return run_monitor(
        Registry(args.registry),
        interval=args.interval,
        iterations=1 if args.once else None,
        focus=args.focus,
        plain=True if args.plain else None,
    )


if __name__ == "__main__":
    sys.exit(main())
