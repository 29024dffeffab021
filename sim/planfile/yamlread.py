"""Reading a plan file's YAML safely, remembering the line of every field.

The text is composed into nodes with PyYAML's safe loader (no Python objects, no code) and
turned into plain data by hand, so that every mapping key and list item gets its line.
Inputs that would blow up or mislead are refused with a problem, never a traceback: files
over ``MAX_BYTES``, aliases expanding past ``MAX_NODES`` nodes, nesting deeper than
``MAX_DEPTH``, keys that are not text, duplicate keys, NaN or infinite numbers, and numbers
beyond ``MAX_NUMBER``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problems import UNREADABLE, Collector, clean, show

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it
MAX_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 12
MAX_NUMBER = 1e12
EXPONENT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


@dataclass
class Document:
    """A plan file's data with the line of each field path (``calendar[2].what``)."""

    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)


class _RefusedError(Exception):
    """The document is refused as a whole (too big, too deep)."""


class _Builder:
    def __init__(self, out: Collector):
        self.out = out
        self.nodes = 0
        self.lines: dict[str, int] = {}
        self.scalars = yaml.SafeLoader("")  # only for constructing scalar values

    def value(self, node: yaml.Node, path: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _RefusedError(
                f"the file expands to more than {MAX_NODES} values (aliases or a huge list); "
                "write the plan out without YAML anchors (&) and aliases (*)"
            )
        if depth > MAX_DEPTH:
            raise _RefusedError(
                f"nesting deeper than {MAX_DEPTH} levels; a plan is a few levels deep"
            )
        line = node.start_mark.line + 1
        self.lines.setdefault(path, line)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [
                self.value(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(node.value)
            ]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: str, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.out.problems.append(
                    self._at(
                        line, path, "YAML merge keys (<<) are not allowed; write the fields out"
                    )
                )
                continue
            key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = show(key) if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                self.out.problems.append(
                    self._at(line, path, f"key {shown} is not text", "write the key in quotes")
                )
                continue
            sub = f"{path}.{key}" if path else key
            if key in result:
                self.out.problems.append(
                    self._at(line, sub, "this key appears twice in the same mapping", "keep one")
                )
                continue
            self.lines[sub] = line
            result[key] = self.value(value_node, sub, depth + 1)
        return result

    def scalar(self, node: yaml.ScalarNode, path: str) -> Any:  # noqa: PLR0911 (one per refusal)
        if node.tag == "tag:yaml.org,2002:int" and ":" in node.value:
            return node.value  # 20:00 is a time of day, not YAML 1.1's base-60 number
        try:
            value = self.scalars.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self.out.problems.append(
                self._at(node.start_mark.line + 1, path, f"unreadable value ({clean(exc)})")
            )
            return UNREADABLE
        if isinstance(value, bytes | bytearray):
            self.out.problems.append(self._at(node.start_mark.line + 1, path, "binary data"))
            return UNREADABLE
        if isinstance(value, float) and not math.isfinite(value):
            self.out.problems.append(
                self._at(node.start_mark.line + 1, path, "not a finite number", "write a number")
            )
            return UNREADABLE
        if isinstance(value, int | float) and not isinstance(value, bool):
            if abs(value) > MAX_NUMBER:
                self.out.problems.append(
                    self._at(node.start_mark.line + 1, path, f"number too large ({clean(value)})")
                )
                return UNREADABLE
        if isinstance(value, str) and node.style in (None, "") and EXPONENT.match(value):
            value = float(value)  # 1e5: a number (YAML 1.1 would read text)
            if not math.isfinite(value) or abs(value) > MAX_NUMBER:
                self.out.problems.append(
                    self._at(
                        node.start_mark.line + 1, path, f"number too large ({clean(node.value)})"
                    )
                )
                return UNREADABLE
        if not isinstance(value, str | int | float | bool | type(None)):
            value = node.value  # dates and times stay as the text written
        return value

    def _at(self, line: int, path: str, message: str, suggestion: str = "") -> Any:
        from .problems import Problem

        return Problem(self.out.file, line, path, message, "", suggestion)


def read(path: Path, out: Collector) -> Document | None:  # noqa: PLR0911 (one per refusal)
    """Read ``path`` into plain data with field lines; problems go to ``out``.

    Args:
        path: the plan file.
        out: collects problems (the file's display path is ``out.file``).

    Returns:
        The document, or None when the file cannot be read at all (a problem says why).
    """
    try:
        raw = path.read_bytes()[: MAX_BYTES + 1]
    except OSError as exc:
        out.add("", f"cannot be read ({clean(exc.strerror or exc, 80)})")
        return None
    if len(raw) > MAX_BYTES:
        out.add("", f"the file is over {MAX_BYTES // 1024} KB; a plan is a page or two")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        out.add("", "not UTF-8 text", "save the file as UTF-8")
        return None
    builder = _Builder(out)
    try:
        node = yaml.compose(text, Loader=LOADER)
        data = None if node is None else builder.value(node, "", 0)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        from .problems import Problem

        out.problems.append(
            Problem(
                out.file, mark.line + 1 if mark else 0, "", f"not valid YAML ({clean(problem, 80)})"
            )
        )
        return None
    except RecursionError:
        out.add("", f"nesting too deep; a plan is a few levels deep (at most {MAX_DEPTH})")
        return None
    except _RefusedError as exc:
        out.add("", str(exc))
        return None
    return Document(data, builder.lines)
