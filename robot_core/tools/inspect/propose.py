"""Alternatives for each control in the project's own strategies, each tried on the screen.

Proposed in the order a map should list them (words a person reads first, a CSS name
last): ``label`` (a tied label), ``beside`` (the cell before its cell), ``role`` + name for
buttons and links, ``alt`` for image buttons, ``placeholder``, then CSS by name or id. Each
is kept only if, through ``drivers/web_locate.py`` as a run would use it, it finds exactly
this one visible control; one that finds others too is reported as ambiguous.
"""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from robot_core.drivers.web_locate import locator_for
from robot_core.script.yamlsource import IDENTIFIER
from robot_core.selectors import Alternative
from robot_core.tools.inspect.collect import Control

_IDS_JS = "els => els.map(e => e.getAttribute('data-robot-inspect'))"
_CSS_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_TRAILING = re.compile(r"[\s\u3000]*[:：]+[\s\u3000]*$")
_FIELDS = {"text", "password", "email", "number", "tel", "date", "search", "url", "select",
           "textarea", "checkbox", "radio"}


def candidates(control: Control) -> list[Alternative]:
    """Every alternative worth trying for ``control``, best first."""
    info, frame, kind = control.info, control.frame, control.kind
    out: list[Alternative] = []
    if info["label"]:
        out.append(Alternative("label", readable(info["label"]), frame))
    if info["beside"] and kind in _FIELDS:
        out.append(Alternative("beside", readable(info["beside"]), frame))
    name = info["aria"] or info["text"] or (info["value"] if kind in {"submit", "button"}
                                            else "")
    if kind in {"submit", "button", "reset"} and name:
        out.append(Alternative("role", "button", frame, name=name))
    elif kind == "link" and name:
        out.append(Alternative("role", "link", frame, name=name))
    if info["alt"] and kind in {"image", "link"}:
        out.append(Alternative("alt", info["alt"], frame))
    if info["placeholder"]:
        out.append(Alternative("placeholder", info["placeholder"], frame))
    out += _css(control)
    return out


def readable(text: str) -> str:
    """``受付番号 ：`` → ``受付番号``: the words without the trailing colon, as a map writes
    them (label/beside compare normalised text, so the colon only adds noise)."""
    return _TRAILING.sub("", text).strip() or text


def _css(control: Control) -> list[Alternative]:
    info, frame = control.info, control.frame
    out = []
    if info["name"]:
        css = f'{info["tag"]}[name="{info["name"]}"]'
        if control.kind in {"radio", "checkbox"} and info["value"]:
            css += f'[value="{info["value"]}"]'
        out.append(Alternative("css", css, frame))
    if info["elid"] and _CSS_SAFE.fullmatch(info["elid"]):
        out.append(Alternative("css", f"#{info['elid']}", frame))
    if info["href"] and '"' not in info["href"]:
        out.append(Alternative("css", f'a[href="{info["href"]}"]', frame))
    return out


def propose(page: Page, controls: list[Control]) -> None:
    """Fill each control's ``proposals`` (unique on screen) and ``ambiguous``; name it."""
    taken: set[str] = set()
    for control in controls:
        for alt in candidates(control):
            try:
                ids = locator_for(page, alt).filter(visible=True).evaluate_all(_IDS_JS)
            except PlaywrightError:
                continue  # a selector the page cannot parse: not a proposal
            if ids == [control.info["id"]]:
                control.proposals.append(alt)
            elif control.info["id"] in ids:
                control.ambiguous.append(alt)
        control.name = target_name(control, taken)


def target_name(control: Control, taken: set[str]) -> str:
    """A plain target name from the control's name or id (else its kind and number)."""
    info = control.info
    raw = info["name"] or info["elid"]  # radios of one name: one target (merge.radio_groups)
    base = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_").lower()
    if not base or not IDENTIFIER.fullmatch(base):
        base = f"{control.kind.replace('-', '_')}{control.number}"
    name, n = base[:60], 2
    while name in taken:
        name, n = f"{base[:56]}_{n}", n + 1
    taken.add(name)
    return name
