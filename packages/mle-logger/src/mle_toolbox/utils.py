"""The seed toolbox's training-side helpers: ``get_configs_ready`` and ``DeepLogger``."""

from mle_config import get_configs_ready
from mle_logger import DeepLogger

__all__ = ["DeepLogger", "get_configs_ready"]
