"""How label text is compared: the text a person reads, not the bytes the page holds.

Legacy forms write the same label many ways: ``受付番号:``, ``受付番号：``, ``氏　名`` (an
ideographic space for alignment), ``ＩＤ`` in full width. ``label`` and ``beside`` targets
match after ``normalise_label`` on both sides: NFKC (full width → half width, ``：`` → ``:``),
every space of every width dropped (zero-width ones too), and trailing colons dropped.
``exact: true`` on the alternative opts out (the text must be exactly the same);
``exact: false`` matches a label that contains the text.

The web driver runs the same rules in the page (``NORMALISE_JS``); both live here so that they
cannot drift apart, and a test runs both in Chromium on the same texts.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_TRAILING = re.compile(r"[:]+$")


def normalise_label(text: str) -> str:
    """``' 受付番号 ： '`` → ``受付番号``; ``'氏　名'`` → ``氏名``; ``'ＩＤ:'`` → ``ID``."""
    folded = _SPACES.sub("", unicodedata.normalize("NFKC", text))
    return _TRAILING.sub("", folded)


#: The same function in the page's JavaScript (String.prototype.normalize is NFKC-capable).
NORMALISE_JS = (
    "t => (t || '').normalize('NFKC')"
    r".replace(/[\s\u200b\u200c\u200d\u2060\ufeff]+/gu, '')"
    ".replace(/:+$/u, '')"
)
