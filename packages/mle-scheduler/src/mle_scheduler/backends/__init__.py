"""Backends: where jobs run. :class:`Backend` is the base class for all of them."""

from .base import Backend, NativeStatus

__all__ = ["Backend", "NativeStatus"]
