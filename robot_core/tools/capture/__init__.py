"""``robot capture``: cut a template image from the screen and list it in a selector map.

IT staff name a target (``form.save``) and the box of the control in its window
(``--region x,y,w,h``, pixels from the window's top-left corner, the way ``point:``
alternatives count). The box is cut from the live screen (``$DISPLAY``), or from a saved
screenshot, written as ``selectors/images/<screen>_<target>.png`` and listed in
``selectors/<app>.yaml`` as an ``image`` alternative of the target:

- a new target is added at the end of its screen's ``targets:``; a new screen at the end
  of ``screens:`` (with ``frame:``, the window the box was cut from);
- an existing target gets the image after its last seeing alternative (``image``/``title``)
  and before its blind ones (``point``/``keys``), so the keyboard stays the fallback;
- a target that already lists the same file keeps it (``--confidence`` updates it).

The map is edited as text, one insertion, so its comments and layout stay as they were.
Afterwards the map is loaded again; if it does not load, or does not list the image as
meant, both files are put back as they were. Before anything is written the cut is checked:
a box of one flat colour cannot be matched, and a box that also matches elsewhere in the
window (on the screen, for a target looked for anywhere) at the confidence would let the
driver click the wrong control.

Modules: ``region`` (what is asked), ``cut`` (the pixels, and whether they are unique),
``edit`` (the selector map as text), ``command`` (the whole command).
"""

from robot_core.tools.capture.command import CaptureReport, capture, map_path
from robot_core.tools.capture.cut import Cut, Uniqueness, cut_from_display, cut_from_screenshot
from robot_core.tools.capture.edit import Edit, plan_edit, render_alternative
from robot_core.tools.capture.region import CaptureError, Region, parse_region, split_target

__all__ = ["CaptureError", "CaptureReport", "Cut", "Edit", "Region", "Uniqueness", "capture",
           "cut_from_display", "cut_from_screenshot", "map_path", "parse_region", "plan_edit",
           "render_alternative", "split_target"]
