"""The YAML reader: PyYAML's safe loader, bounded, with YAML 1.2 numbers.

- ``1e-5`` is a float (PyYAML's YAML 1.1 rules read it as a string; the original toolbox
  added the same resolver), and ``1:30:00`` stays a string (YAML 1.1 would read a base-60
  integer, so a quoted and an unquoted ``time_per_job`` would differ).
- Work is bounded before anything walks the data: at most :data:`MAX_NODES` nodes once
  aliases are expanded, and at most :data:`MAX_DEPTH` levels of nesting. An alias bomb or a
  deeply nested file is one ``ConfigParseError`` line, never minutes of CPU or a
  ``RecursionError``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from ._limits import MAX_DEPTH, MAX_NODES
from .errors import ConfigParseError

__all__ = ["MAX_DEPTH", "MAX_NODES", "KeyPath", "parse_yaml", "safe_yaml_value"]


KeyPath = tuple[str, ...]

_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_NUMBER_TAGS = ("tag:yaml.org,2002:float", "tag:yaml.org,2002:int")


class _Loader(yaml.SafeLoader):
    """SafeLoader with its own resolver table (the global SafeLoader is left untouched)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _NUMBER_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_bounds(root: yaml.Node, path: Path) -> None:
    """Count expanded nodes and depth in time linear in the distinct nodes (memoised)."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            line = node.start_mark.line + 1
            if size[key] > MAX_NODES:
                raise ConfigParseError(
                    f"{path}:{line}: expected at most {MAX_NODES} values once aliases are "
                    f"expanded, found more (an alias bomb?)"
                )
            if depth[key] > MAX_DEPTH:
                raise ConfigParseError(
                    f"{path}:{line}: expected at most {MAX_DEPTH} levels of nesting, found more"
                )
            continue
        if key in size:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        for kid in _children(node):
            if id(kid) in open_nodes:
                raise ConfigParseError(
                    f"{path}:{kid.start_mark.line + 1}: expected no recursive alias, "
                    "found an alias inside its own anchor"
                )
            if id(kid) not in size:
                stack.append((kid, False))


def _lines(root: yaml.Node, path: Path) -> dict[KeyPath, int]:
    """The line of every key path; duplicate keys are errors. Bounded by ``_check_bounds``."""
    out: dict[KeyPath, int] = {}
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    raise ConfigParseError(
                        f"{path}:{key_node.start_mark.line + 1}: {'.'.join((*prefix, key))}: "
                        "expected each key once, found a duplicate key"
                    )
                seen.add(key)
                out[(*prefix, key)] = key_node.start_mark.line + 1
                stack.append((value_node, (*prefix, key)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out[(*prefix, str(i))] = item.start_mark.line + 1
                stack.append((item, (*prefix, str(i))))
    return out


def _load(text: str, path: Path) -> tuple[Any, dict[KeyPath, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _check_bounds(node, path)
        lines = _lines(node, path)  # before construction, which flattens merge keys in place
        return loader.construct_document(node), lines
    finally:
        loader.dispose()


def parse_yaml(path: Path, text: str) -> tuple[Any, dict[KeyPath, int]]:
    """Parse ``text`` (read from ``path``) into data and the line of every key path."""
    try:
        return _load(text, path)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigParseError(
            f"{path}{line}: expected valid YAML, found {err.problem or err.context}"
        ) from None
    except yaml.YAMLError as err:
        raise ConfigParseError(f"{path}: expected valid YAML, found {err}") from None
    except RecursionError:
        raise ConfigParseError(
            f"{path}: expected at most {MAX_DEPTH} levels of nesting, found more"
        ) from None


def safe_yaml_value(text: str, where: str) -> Any:
    """One value written on a command line (``-o key=value``), read with the same rules."""
    return parse_yaml(Path(where), text)[0]
