"""``python -m mle_cli`` is ``mle``."""

from .main import main

main()
