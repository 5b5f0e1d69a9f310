"""Evidence pictures that are not screenshots of the legacy system.

A row rejected at intake never reaches the legacy screen, yet staff and auditors expect a
picture beside every failure. This draws a card naming the case, the row and each problem
(never a secret value); a driver that can render HTML (``HtmlRenderer``) turns it into a PNG.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class HtmlRenderer(Protocol):
    """A driver capability: render an HTML document to a PNG file."""

    def render_html(self, document: str, path: Path) -> Path:
        """Write ``document`` as a picture to ``path``."""


def rejection_card(bot: str, key: str, row: int, source: str,
                   problems: Iterable[tuple[str, str, str]]) -> str:
    """The HTML of a card for a row rejected at intake: (column, Japanese, English) problems."""
    items = "".join(
        f"<tr><th>{html.escape(col)}</th><td>{html.escape(ja)}<br><small>{html.escape(en)}"
        "</small></td></tr>" for col, ja, en in problems)
    return f"""<!doctype html><html lang="ja"><meta charset="utf-8">
<style>
 body {{ font-family: "Noto Sans CJK JP", sans-serif; margin: 24px; background: #fff; }}
 .card {{ border: 3px solid #c9a400; background: #fff8dc; padding: 16px 24px; width: 760px; }}
 h1 {{ font-size: 20px; margin: 0 0 8px; }} p {{ margin: 4px 0 12px; color: #444; }}
 th {{ text-align: left; padding: 6px 12px 6px 0; vertical-align: top; white-space: nowrap; }}
 td {{ padding: 6px 0; }} small {{ color: #666; }}
</style>
<div class="card">
 <h1>入力データに誤りがあるため登録していません / Not entered: the case data is invalid</h1>
 <p>bot {html.escape(bot)} · 受付 {html.escape(key or "(no key)")} ·
    {html.escape(source)} row {row}</p>
 <table>{items}</table>
</div></html>"""
