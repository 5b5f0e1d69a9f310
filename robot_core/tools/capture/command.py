"""``robot capture`` as a whole: cut, check, write the image, list it, load the map again."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from robot_core.drivers.desktop.extra import require_desktop
from robot_core.errors import BotScriptError, ConfigError
from robot_core.home import project_dir
from robot_core.script.launch import images_dir, parse_launch
from robot_core.script.yamlsource import load_yaml
from robot_core.selectors import SelectorMap, load_selector_map
from robot_core.tools.capture.cut import (
    Uniqueness,
    cut_from_display,
    cut_from_screenshot,
    uniqueness,
)
from robot_core.tools.capture.edit import Edit, plan_edit
from robot_core.tools.capture.region import (
    DEFAULT_CONFIDENCE,
    CaptureError,
    Region,
    split_target,
)

if TYPE_CHECKING:  # the desktop extra: imported where pixels are handled, so the CLI starts
    from PIL import Image  # on a plain install and `robot capture` says which extra it needs




@dataclass(frozen=True)
class CaptureReport:
    """What ``capture`` did."""

    image: Path
    map_file: Path
    target: str
    edit: Edit
    size: tuple[int, int]
    origin: str
    region: Region
    window: str
    runner_up: Uniqueness
    targets: int
    replaced_image: bool
    warnings: tuple[str, ...]


def map_path(app: str) -> Path:
    """``selectors/<app>.yaml`` of the project; unknown apps list the known ones."""
    folder = project_dir() / "selectors"
    path = folder / f"{app}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise CaptureError(f"no selector map {path} (apps: {known})")
    return path


def capture(app: str, target: str, region: Region, *, window: str | None = None,
            confidence: float | None = None, screenshot: Path | None = None,
            force: bool = False) -> CaptureReport:
    """Cut ``region``, save it as the target's template and list it in the app's map.

    ``region`` counts from the top-left corner of the window titled ``window`` (default: the
    screen's ``frame:``, else the map's ``launch.window``) on ``$DISPLAY``, or of the image
    ``screenshot``. Raises ``CaptureError`` (nothing written) when it cannot be done.
    """
    require_desktop("robot capture")  # before anything is read: one line naming the extra
    screen, name = split_target(target)
    if confidence is not None and not 0 < confidence <= 1:
        raise CaptureError("--confidence must be above 0 and at most 1")
    path = map_path(app)
    selectors = load_selector_map(path)  # a map that is broken already is not edited
    if selectors.driver != "desktop":
        raise CaptureError(f"{path.name} is a {selectors.driver} map: image templates are "
                           "for desktop maps")
    spec = parse_launch(selectors.launch)
    screens = load_yaml(path).data.get("screens") or {}
    body = screens.get(screen)
    frame = str(body["frame"]) if isinstance(body, dict) and body.get("frame") else None
    title = window or frame or spec.window
    image_path = images_dir(spec) / f"{screen}_{name}.png"
    existed = image_path.exists()
    if existed and not force:
        raise CaptureError(f"{image_path} exists already: give --force to replace it")
    alternative: dict[str, Any] = {"image": image_path.name}
    if confidence is not None:
        alternative["confidence"] = confidence
    if window and frame is not None and window != frame:
        alternative["frame"] = window  # the target lives in another window than its screen
    text = path.read_bytes().decode("utf-8")  # bytes: keep the file's line breaks as they are
    edit = plan_edit(text, str(path), screen, name, alternative,
                     screen_frame=None if screen in screens else title)
    if screenshot is not None:
        cut = cut_from_screenshot(screenshot, region)
    else:
        display = os.environ.get("DISPLAY")
        if not display:
            raise ConfigError("DISPLAY is not set: capture on the display the program runs "
                              "on, or give --from-screenshot FILE.png")
        anywhere = screen in screens and frame is None and "frame" not in alternative
        cut = cut_from_display(display, title, region, whole_screen=anywhere)
    runner_up = uniqueness(cut)
    wanted = confidence if confidence is not None else DEFAULT_CONFIDENCE
    if runner_up.other >= wanted:
        x, y = runner_up.other_at
        where = "screenshot" if screenshot else f"window {title!r}"
        raise CaptureError(
            f"region {region} also matches at {x},{y} of the {where} "
            f"(score {runner_up.other:.2f}, confidence {wanted}): the robot could pick the "
            "wrong one; take in more of the control (its label, its border)")
    loaded = _write_checked(path, text, edit, image_path, cut.image, f"{screen}.{name}",
                            alternative)
    return CaptureReport(image_path, path, target, edit, cut.image.size, cut.origin, region,
                         title, runner_up, len(loaded.targets), existed, tuple(cut.warnings))


def _write_checked(path: Path, text: str, edit: Edit, image_path: Path, image: Image.Image,
                   target: str, alternative: dict[str, Any]) -> SelectorMap:
    """Write the image and the map; load the map again; put both back if it is not right."""
    old_image = image_path.read_bytes() if image_path.exists() else None
    image_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _atomic(image_path) as stream:
            image.save(stream, format="PNG")
        if edit.text != text:
            with _atomic(path) as stream:
                stream.write(edit.text.encode("utf-8"))
        try:
            loaded = load_selector_map(path)
        except BotScriptError as exc:
            raise CaptureError(f"the edited map does not load ({exc}); both files were put "
                               "back") from exc
        _check_listed(loaded, target, alternative, path)
    except BaseException:
        with contextlib.suppress(OSError):
            path.write_bytes(text.encode("utf-8"))
            if old_image is None:
                image_path.unlink(missing_ok=True)
            else:
                image_path.write_bytes(old_image)
        raise
    return loaded


def _check_listed(loaded: SelectorMap, target: str, alternative: dict[str, Any],
                  path: Path) -> None:
    """The reloaded map must list the image under ``target`` with the confidence asked for."""
    try:
        found = loaded.get(target)
    except KeyError:
        raise CaptureError(f"{path}: the edited map has no {target}; both files were put "
                           "back") from None
    wanted = alternative.get("confidence")
    if not any(a.strategy == "image" and a.value == alternative["image"]
               and (wanted is None or abs(a.confidence - float(wanted)) < 1e-9)
               for a in found.alternatives):
        at = "" if wanted is None else f" at confidence {wanted}"
        raise CaptureError(f"{path}: the edited map does not list {alternative['image']} "
                           f"under {target}{at}; both files were put back")


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Write ``path`` through a temporary file beside it: never half a file."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        if path.exists():
            shutil.copymode(path, temp)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
