"""``s3270`` as a child process: one action a line on stdin, its answer read back.

s3270 answers every action with ``data:`` lines, a status line and ``ok`` or ``error``.
A reader thread turns stdout into answers, so an action that blocks (a ``Wait`` on a host
that hangs) costs a timeout here, never a hung robot. ``ReadBuffer(Ascii)`` is read into a
``Buffer3270``: the screen's cells and its fields with their attribute bytes.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from dataclasses import dataclass, field

from wcwidth import wcwidth

from robot_core.drivers.terminal.screen import STUB, Region, Snapshot

PROTECTED, NON_DISPLAY = 0x20, 0x0C


class S3270Error(Exception):
    """s3270 answered ``error`` (its message), or did not answer in time."""


@dataclass(frozen=True)
class Status:
    """s3270's status line: keyboard, connection, cursor (0-based)."""

    keyboard: str        # U unlocked, L locked, E operator error
    formatted: bool
    connected: bool
    cursor: tuple[int, int]

    @classmethod
    def parse(cls, line: str) -> Status:
        """``U F U C(host) I 2 24 80 5 20 0x0 0.001`` -> a Status."""
        parts = line.split()
        if len(parts) < 10:
            return cls("L", False, False, (0, 0))
        return cls(parts[0], parts[1] == "F", parts[3].startswith("C"),
                   (int(parts[8]), int(parts[9])))


class S3270:
    """One s3270 process; ``action("Enter")`` -> (data lines, status)."""

    def __init__(self, argv: list[str]) -> None:
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
                                      errors="replace", bufsize=1)
        self._answers: queue.Queue[tuple[list[str], str, bool] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._owed = 0  # answers of actions that timed out, still to come
        threading.Thread(target=self._read, daemon=True, name="s3270-reader").start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        data: list[str] = []
        status = ""
        for raw in self._proc.stdout:
            line = raw.rstrip("\n")
            if line.startswith("data: ") or line == "data:":
                data.append(line[6:])
            elif line in ("ok", "error"):
                self._answers.put((data, status, line == "ok"))
                data, status = [], ""
            else:
                status = line
        self._answers.put(None)  # s3270 is gone

    @property
    def alive(self) -> bool:
        """Whether the process still runs."""
        return self._proc.poll() is None

    def action(self, command: str, timeout_s: float) -> tuple[list[str], Status]:
        """Run one action; S3270Error on ``error`` (its message) or after ``timeout_s``."""
        with self._lock:
            if not self.alive or self._proc.stdin is None:
                raise S3270Error("s3270 is not running")
            try:
                self._proc.stdin.write(command + "\n")
                self._proc.stdin.flush()
            except OSError as exc:
                raise S3270Error(f"s3270 is not running ({exc})") from None
            while True:
                try:
                    answer = self._answers.get(timeout=timeout_s)
                except queue.Empty:
                    self._owed += 1
                    raise S3270Error(f"s3270 did not answer {command.split('(', 1)[0]} in "
                                     f"{timeout_s:.1f} s") from None
                if answer is None:
                    raise S3270Error("s3270 exited")
                if self._owed:
                    self._owed -= 1  # the late answer of an earlier action
                    continue
                data, status, ok = answer
                if not ok:
                    raise S3270Error("; ".join(d for d in data if d) or command)
                return data, Status.parse(status)

    def close(self) -> None:
        """Quit s3270 (it hangs up), killing it if it lingers."""
        with contextlib.suppress(OSError, ValueError):
            if self._proc.stdin is not None:
                self._proc.stdin.write("Quit\n")
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            with contextlib.suppress(OSError):
                self._proc.stdout.close()


@dataclass(frozen=True)
class Field3270:
    """A field of the screen: where its data starts (after the attribute), its attribute."""

    region: Region
    attribute: int

    @property
    def protected(self) -> bool:
        """The host does not take typing here."""
        return bool(self.attribute & PROTECTED)

    @property
    def hidden(self) -> bool:
        """Non-display: what is typed is not shown (a password, 個人番号)."""
        return self.attribute & NON_DISPLAY == NON_DISPLAY


@dataclass(frozen=True)
class Buffer3270(Snapshot):
    """A ``Snapshot`` of a 3270 screen: its cells as shown (non-display fields blank, SO/SI

    and attribute bytes blank), its fields by attribute, and, kept out of ``repr``, what the
    non-display fields hold (for ``fill`` to check its typing; never drawn).
    """

    all_fields: tuple[Field3270, ...] = ()
    shifts: frozenset[tuple[int, int]] = frozenset()
    hidden_values: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    def fields(self) -> list[Region]:
        """The unprotected fields, in reading order: where a clerk can type."""
        return [f.region for f in self.all_fields if not f.protected]

    def field_at(self, row: int, col: int) -> Field3270 | None:
        """The field whose data cells include (row, col)."""
        for f in self.all_fields:
            if f.region.row == row and f.region.col <= col < f.region.col + f.region.cols:
                return f
        return None

    def value(self, region: Region) -> str:
        """The text of ``region`` without SO/SI, nulls and trailing blanks."""
        if region.rows > 1:
            return "\n".join(self.value(Region(region.row + i, region.col, region.cols))
                             for i in range(region.rows)).strip("\n")
        line = self.cells[region.row]
        out = [line[c] for c in range(region.col, min(len(line), region.col + region.cols))
               if (region.row, c) not in self.shifts and line[c] != STUB]
        return "".join(out).rstrip()


def parse_buffer(lines: list[str], status: Status) -> Buffer3270:
    """``ReadBuffer(Ascii)`` rows (with ``-utf8``) as a ``Buffer3270``."""
    rows = [[t for t in line.split() if not t.startswith("SA(")] for line in lines]
    cols = max((len(r) for r in rows), default=0)
    cells = [[" "] * cols for _ in rows]
    shifts: set[tuple[int, int]] = set()
    starts: list[tuple[int, int]] = []  # (address of the attribute, attribute byte)
    for r, tokens in enumerate(rows):
        for c, token in enumerate(tokens):
            if token.startswith("SF("):
                starts.append((r * cols + c, _attribute(token)))
            elif token == "-":
                cells[r][c] = STUB
            elif token in ("0e", "0f"):
                shifts.add((r, c))
            elif token != "00":
                with contextlib.suppress(ValueError):
                    cells[r][c] = bytes.fromhex(token).decode("utf-8", "replace")
    fields, hidden = _fields(starts, len(rows), cols, cells, shifts)
    return Buffer3270(tuple(tuple(r) for r in cells), status.cursor, 0, all_fields=fields,
                      shifts=frozenset(shifts), hidden_values=hidden)


def _attribute(token: str) -> int:
    """``SF(c0=e8,fe=01)`` -> 0xe8 (the 3270 field attribute byte)."""
    for pair in token[3:-1].split(","):
        key, _, value = pair.partition("=")
        if key == "c0":
            return int(value, 16)
    return 0


def _fields(starts: list[tuple[int, int]], rows: int, cols: int, cells: list[list[str]],
            shifts: set[tuple[int, int]]) -> tuple[tuple[Field3270, ...],
                                                   dict[tuple[int, int], str]]:
    """Fields from their attribute positions (a field ends at the next attribute or the end

    of its row: fields wider than a row are cut there); non-display fields' cells blanked.
    """
    out, hidden = [], {}
    size = rows * cols
    for i, (addr, attr) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else starts[0][0] + size
        start = addr + 1
        row, col = divmod(start % size, cols)
        length = min(end - start, cols - col)
        if length <= 0:
            continue
        f = Field3270(Region(row, col, length), attr)
        if f.hidden:
            text = "".join(cells[row][c] for c in range(col, col + length)
                           if (row, c) not in shifts and cells[row][c] != STUB)
            hidden[(row, col)] = text.rstrip()
            for c in range(col, col + length):
                cells[row][c] = " "
        out.append(f)
    return tuple(out), hidden


def positions(text: str) -> int:
    """Buffer positions ``text`` takes in a DBCS code page: two a kanji, and SO + SI around

    every run of them.
    """
    total, in_dbcs = 0, False
    for ch in text:
        wide = wcwidth(ch) == 2
        if wide and not in_dbcs:
            total += 2
        in_dbcs = wide
        total += 2 if wide else 1
    return total
