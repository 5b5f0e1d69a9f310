"""``FakeApp``: a scripted legacy application, the handler of a ``FakeDriver`` for common cases.

It keeps a little screen state: which targets are ``shown`` (``is_visible`` and ``wait_any``
answer from it), what ``read_text`` returns (``texts``, else what was typed), a ``form`` that
stores every fill, select and tick since the last ``goto``, and a ``save`` target whose click
appends the form to ``saved``: what "landed" in the legacy system, as the fixture registry's
database is::

    app = FakeApp(shown={"menu.entry", "done.message"}, texts={"done.regno": "RG-1"},
                  save="confirm.register")
    driver = FakeDriver(app)
    ...
    assert app.saved == [{"form.name": "山田 太郎", ...}]

``texts`` also answers ``read_attribute`` (key ``"target@attribute"``); ``title`` is the
``window_title``, ``url`` the ``current_url`` (the last ``goto``); ``wait_gone`` ends at once
unless its target is ``shown``.

``fail`` makes calls raise: its keys are a target name, a verb, or a URL, its values the
errors still to raise (one per call, in order), so ``{"form.name": [TransientError("x")]}``
fails the first call on ``form.name`` only. ``missing`` targets are never on screen.
``shows``/``hides`` change the screen after a click (``{"login.submit": {"menu.entry"}}``).
For anything else subclass it (override ``click``, say) or wrap it in a handler of your own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from robot_core.errors import TargetNotFound
from robot_core.testing.driver import Call, Result


@dataclass
class FakeApp:
    """A screen state answering a ``FakeDriver``'s calls."""

    shown: set[str] = field(default_factory=set)
    texts: dict[str, str] = field(default_factory=dict)
    save: str | None = None
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    shows: dict[str, set[str]] = field(default_factory=dict)
    hides: dict[str, set[str]] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    saved: list[dict[str, str]] = field(default_factory=list)
    url: str = ""
    title: str = ""

    def __call__(self, call: Call) -> Result:
        """Answer one call (the ``Handler`` of a ``FakeDriver``)."""
        self._raise_planned(call)
        for name in call.targets:
            if name in self.missing and call.verb not in ("is_visible", "wait_gone"):
                raise TargetNotFound(f"{name} not found (FakeApp: missing)")
        method = getattr(self, call.verb, None)
        return method(call) if callable(method) else None

    def _raise_planned(self, call: Call) -> None:
        keys: Iterable[str | None] = (call.verb, call.target, *call.targets,
                                      call.value if call.verb == "goto" else None)
        for key in keys:
            planned = self.fail.get(key or "")
            if planned:
                raise planned.pop(0)

    # -- one method per verb; subclasses override what their application does differently --
    def goto(self, call: Call) -> Result:
        """A new page: remember where, and start with an empty form."""
        self.url = call.value or ""
        self.form.clear()
        return None

    def click(self, call: Call) -> Result:
        """A click on ``save`` keeps the form in ``saved``; ``shows``/``hides`` apply."""
        name = call.target or ""
        if name == self.save:
            self.saved.append(dict(self.form))
            self.form.clear()
        self.shown |= self.shows.get(name, set())
        self.shown -= self.hides.get(name, set())
        return None

    def fill(self, call: Call) -> Result:
        """The typed text goes into the form."""
        self.form[call.target or ""] = call.value or ""
        return None

    select = fill
    set_checked = fill

    def read_text(self, call: Call) -> Result:
        """``texts`` first, then what the form holds; ``TargetNotFound`` when neither has it."""
        name = call.target or ""
        if name in self.texts:
            return self.texts[name]
        if name in self.form:
            return self.form[name]
        raise TargetNotFound(f"{name} not found (FakeApp has no text for it)")

    def read_attribute(self, call: Call) -> Result:
        """``texts["target@attribute"]``; ``TargetNotFound`` when it has none."""
        key = f"{call.target}@{call.value}"
        if key in self.texts:
            return self.texts[key]
        raise TargetNotFound(f"{call.target} not found (FakeApp has no {key})")

    def current_url(self, _call: Call) -> Result:
        """Where the last ``goto`` went."""
        return self.url

    def window_title(self, _call: Call) -> Result:
        """``title``."""
        return self.title

    def wait_gone(self, call: Call) -> Result:
        """``TargetNotFound`` while the target is ``shown`` (a real driver waits first)."""
        if call.target in self.shown:
            raise TargetNotFound(f"{call.target} still on screen (FakeApp)")
        return None

    def is_visible(self, call: Call) -> Result:
        """Whether the target is in ``shown``."""
        return call.target in self.shown and call.target not in self.missing

    def wait_any(self, call: Call) -> Result:
        """The first of the awaited targets that is shown; ``TargetNotFound`` when none is."""
        for name in call.targets:
            if name in self.shown:
                return name
        raise TargetNotFound(f"none of {', '.join(call.targets)} shown (FakeApp)")
