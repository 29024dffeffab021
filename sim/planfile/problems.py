"""Problems found in a plan file, and how they are shown.

Every check collects ``Problem`` records instead of stopping at the first; ``PlanErrors``
carries them all. Values quoted from the file are cleaned (no control characters, so no
terminal escape sequences) and cut to a short excerpt before they are shown.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sim.engine.validation import ConfigError

EXCERPT = 40  # characters of a quoted value shown in a message


class _Unreadable:
    """A value the YAML reader refused (a problem already says why)."""

    def __repr__(self) -> str:
        return "an unreadable value"


UNREADABLE = _Unreadable()


def clean(text: Any, limit: int = EXCERPT) -> str:
    """``text`` without control or format characters, cut to ``limit`` characters.

    Args:
        text: any value; it is turned into text first.
        limit: the longest excerpt kept (an ellipsis marks a cut).

    Returns:
        Printable text, safe to write to a terminal.
    """
    raw = str(text)
    kept = "".join(
        ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else "?"
        for ch in raw[: limit * 4]
    )
    return kept if len(kept) <= limit and len(raw) <= limit * 4 else kept[: limit - 1] + "…"


def show(value: Any) -> str:
    """A value as quoted in a message: text in single quotes, other values as they are."""
    if isinstance(value, str):
        return f"'{clean(value)}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return clean(value)


def suggest(word: Any, options: Iterable[str]) -> str:
    """The closest of ``options`` to ``word`` (difflib), or '' when none is close."""
    if not isinstance(word, str):
        return ""
    options = list(options)
    lowered = {o.lower(): o for o in options}
    match = difflib.get_close_matches(word.strip().lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else ""


@dataclass
class Problem:
    """One thing wrong with a plan file.

    Attributes:
        file: the file's display path.
        line: 1-based line in the file (0: not tied to a line).
        field: the field's path in the plan (``calendar[2].what``), '' for the whole file.
        message: what is wrong.
        allowed: what is allowed there ('' when the message says it).
        suggestion: a likely fix ('' when none is obvious).
    """

    file: str
    line: int
    field: str
    message: str
    allowed: str = ""
    suggestion: str = ""

    def __post_init__(self) -> None:
        # Keys and messages may quote the file: no control characters, short excerpts.
        self.file = clean(self.file, 300)
        self.field = clean(self.field, 120)
        self.message, self.allowed = clean(self.message, 2000), clean(self.allowed, 2000)
        self.suggestion = clean(self.suggestion, 200)

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{place}: {self.field}: {self.message}" if self.field else f"{place}: "
        if not self.field:
            text += self.message
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        if self.suggestion:
            text += f"; {self.suggestion}"
        return text


class PlanErrors(ConfigError):  # noqa: N818 (the name the forecast relies on)
    """A plan file with problems; ``problems`` lists every one, ``str()`` one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class Collector:
    """Gathers problems for one file, placing each on its line.

    Attributes:
        file: the file's display path.
        lines: line of each field path (from ``yamlread``).
        problems: what was found so far.
        warnings: things that are allowed but likely unintended.
    """

    file: str
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def line_of(self, path: str) -> int:
        """The line of ``path``, else of its nearest parent in the file, else 0."""
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("", 0)

    def add(self, path: str, message: str, allowed: str = "", suggestion: str = "") -> None:
        """Record a problem at ``path``."""
        self.problems.append(
            Problem(self.file, self.line_of(path), path, message, allowed, suggestion)
        )

    def did_you_mean(self, path: str, what: str, word: Any, options: Iterable[str]) -> None:
        """Record an unknown ``word`` with the allowed ``options`` and the closest one."""
        options = list(options)
        close = suggest(word, options)
        self.add(
            path,
            f"unknown {what} {show(word)}",
            ", ".join(options),
            f"did you mean '{close}'?" if close else "",
        )
