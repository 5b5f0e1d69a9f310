# make demo · make test · make bench — each installs what it needs first.
SHELL := /bin/bash
PY := .venv/bin/python
APT_PACKAGES := chromium chromium-headless-shell xvfb xdotool scrot xauth fonts-noto-cjk postgresql s3270
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo demo-terminal demo-3270 test wheel-check bench lint system venv clean

system:  ## Debian packages: Chromium for the web driver, Xvfb for desktop, CJK fonts
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

.venv/.installed: pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: .venv/.installed

demo: system venv  ## start the fixture registry, enter fixtures/cases/sample.xlsx, stop it
	$(PY) -m fixtures.demo $(DEMO)

demo-terminal: system venv  ## the same through the registry's green-screen host over SSH
	$(PY) -m fixtures.demo --terminal

demo-3270: system venv  ## the same through the registry's IBM 3270 host (TN3270, s3270)
	$(PY) -m fixtures.demo --3270

test: system venv  ## the whole suite: unit, integration (real Chromium), e2e (the CLI, the wheel)
	$(PY) -m pytest -q --durations=20

wheel-check: system venv  ## build the wheel, install it without extras in a fresh venv, run it
	$(PY) -m pytest -q tests/e2e/test_install.py

lint: venv
	.venv/bin/ruff check robot_core
	.venv/bin/mypy robot_core

bench: system venv  ## robot against a hand-written Playwright script; prints a table
	$(PY) -m bench

clean:
	rm -rf var .venv
