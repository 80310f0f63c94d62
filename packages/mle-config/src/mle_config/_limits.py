"""Bounds on the work of reading one config file (documented in the README)."""

from __future__ import annotations

#: the most nodes a YAML document may expand to (an alias counts at every use)
MAX_NODES = 200_000
#: the deepest nesting of mappings and lists a YAML or JSON file may have
MAX_DEPTH = 100
