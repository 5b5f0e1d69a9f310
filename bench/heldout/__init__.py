"""The held-out benchmark: a form robot has never seen (app/), typed by robot, raw Playwright
and Robot Framework + SeleniumLibrary side by side (``python -m bench.heldout``)."""
