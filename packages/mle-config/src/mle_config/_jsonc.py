"""JSON with comments: strip ``#`` and ``//`` comments and trailing commas outside strings.

Stripped characters are replaced by spaces (newlines kept), so line and column numbers in a
later ``json`` error still point into the user's file.
"""

from __future__ import annotations

import json
from typing import Any


def strip_comments(text: str) -> str:
    """Return ``text`` with comments and trailing commas blanked out (same length, same lines)."""
    out = list(text)
    i, n = 0, len(text)
    in_string = False
    last_comma: int | None = None  # index of a comma that may turn out to be trailing
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
            i += 1
            continue
        if ch == '"':
            in_string = True
            last_comma = None
        elif ch == "#" or (ch == "/" and i + 1 < n and text[i + 1] == "/"):
            end = text.find("\n", i)
            end = n if end == -1 else end
            for j in range(i, end):
                out[j] = " "
            i = end
            continue
        elif ch == ",":
            # a second comma in a row is an error for json to report, never "trailing"
            last_comma = i if last_comma is None else -1
        elif ch in "}]":
            if last_comma is not None and last_comma >= 0:
                out[last_comma] = " "
            last_comma = None
        elif not ch.isspace():
            last_comma = None
        if last_comma == -1 and ch != ",":
            last_comma = None
        i += 1
    return "".join(out)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each object key path in (comment-stripped) JSON ``text`` to its 1-based line."""
    lines: dict[tuple[str, ...], int] = {}
    stack: list[tuple[str, Any]] = []  # (kind, current key or index)
    path: list[str] = []
    i, n, line = 0, len(text), 1
    pending_key: str | None = None
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            start, start_line = i, line
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            raw = text[start : i + 1]
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if stack and stack[-1][0] == "obj" and j < n and text[j] == ":":
                try:
                    pending_key = json.loads(raw)
                except ValueError:
                    pending_key = raw.strip('"')
                lines[(*path, pending_key)] = start_line
        elif ch in "{[":
            if stack:
                parent = stack[-1]
                path.append(str(pending_key) if parent[0] == "obj" else str(parent[1]))
            stack.append(("obj" if ch == "{" else "arr", 0))
            pending_key = None
        elif ch in "}]":
            if stack:
                stack.pop()
            if path:
                path.pop()
        elif ch == "," and stack and stack[-1][0] == "arr":
            stack[-1] = ("arr", stack[-1][1] + 1)
        i += 1
    return lines


def loads(text: str) -> Any:
    """Parse JSON text that may carry comments and trailing commas."""
    return json.loads(strip_comments(text))
