"""Spaces and personal names: trimming (the ideographic space too), family and given names."""

from __future__ import annotations

import re

from robot_core.transforms.width import IDEOGRAPHIC_SPACE

_TRIM_CHARS = " \t\n\r\v\f" + IDEOGRAPHIC_SPACE
_NAME_SEPARATOR_RE = re.compile("[ \u3000]+")


def trim(s: str) -> str:
    """Strip ASCII whitespace and full-width spaces (U+3000) from both ends."""
    return s.strip(_TRIM_CHARS)


def split_name(s: str) -> tuple[str, str]:
    """Split ``山田　太郎`` into (family, given) at the first run of ASCII/full-width spaces."""
    parts = _NAME_SEPARATOR_RE.split(trim(s), maxsplit=1)
    if len(parts) != 2:
        msg = f"name has no space between family and given name: {s!r}"
        raise ValueError(msg)
    return parts[0], parts[1]


def family_name(s: str) -> str:
    """Return the family-name part of a full name (see ``split_name``)."""
    return split_name(s)[0]


def given_name(s: str) -> str:
    """Return the given-name part of a full name (see ``split_name``)."""
    return split_name(s)[1]
