"""From a case file to typed case rows, one row at a time.

``open_cases`` opens the file (by its content and suffix: .xlsx/.xlsm, .csv, .tsv/.txt),
finds the case table, and returns a ``CaseStream``: iterating it reads, types and checks one
row at a time, so memory stays flat however long the export. The only state kept across rows
is the key of each row seen, to report a duplicate: ~30 bytes a row in a ``KeyIndex``.

Before anything is parsed the file is judged whole: an empty file, an encrypted workbook, an
old .xls, and an .xlsx whose zip directory declares too much (``zipguard``) are refused. The
header must name each column once (``layout.repeated``); a CSV record must have as many
fields as the header. Every text cell of a row is held to the content policy (``policy``):
bot columns by ``convert_cell``, the other cells (written back to the results workbook) for
the characters that harm a workbook or the staff reading it. A number read as text (a
postal code zero-padded) is kept, with a warning on its row.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

from openpyxl.utils import get_column_letter

from robot_core import transforms
from robot_core.errors import CaseDataError
from robot_core.intake import policy
from robot_core.intake.base import Row, Source
from robot_core.intake.cells import CellError, converter, is_blank, is_number, plain, shown
from robot_core.intake.compact import KeyIndex
from robot_core.intake.delimited import Record, TextSource, open_text
from robot_core.intake.layout import HEADER_SCAN_ROWS, HeaderSearch, Layout, aliases
from robot_core.intake.ole import OLE_MAGIC, is_encrypted_workbook
from robot_core.intake.rows import CaseRow, Problem, case_key
from robot_core.intake.xlsx import open_workbook
from robot_core.intake.zipguard import Limits, check_archive
from robot_core.script import rules
from robot_core.script.model import Column, InputSpec

XLSX_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"
#: What cells outside the bot's columns may hold: they are only written to the results.
UNBOUND = Column(allow=("newline", "private_use", "formula_prefix"),
                 max_length=policy.EXCEL_MAX_LENGTH)


class CaseStream:
    """The case rows of one file, typed and checked as they are read; iterate it once.

    A context manager: leaving the ``with`` block closes the file.
    """

    def __init__(self, path: Path, sheet: str, layout: Layout, *, rows: Iterator[Row],
                 spec: InputSpec, source: Source, today: date) -> None:
        self.path, self.sheet, self.layout, self.spec = path, sheet, layout, spec
        self._rows, self._source, self._today = rows, source, today
        self.columns = {n: layout.header_of(n) for n in spec.columns if n in layout.index}
        self._labels = {n: self.columns.get(n) or aliases(n, spec)[0] for n in spec.columns}
        bound = set(layout.index.values())
        self._unbound = [(i, h or f"column {i + 1}") for i, h in enumerate(layout.headers)
                         if i not in bound]
        # Decided once per stream, not per cell: where each column is and how it converts.
        self._plan = [(name, layout.index.get(name), self._labels[name],
                       converter(column, today=today, recall=name != spec.key))
                      for name, column in spec.columns.items()]  # a key is never repeated
        self._rules = [(rule, {self._labels[c] for c in rule.columns}) for rule in spec.rules]
        self._raw = [(i, h) for i, h in enumerate(layout.headers) if h]
        self.only: str | None = None  # `robot run --case KEY`: yield this case alone

    @property
    def headers(self) -> list[str]:
        """The file's header text for each file column."""
        return self.layout.headers

    @property
    def secret_headers(self) -> frozenset[str]:
        """Headers, as the file writes them, of the secret columns."""
        return frozenset(h for n, h in self.columns.items() if self.spec.columns[n].secret)

    def __iter__(self) -> Iterator[CaseRow]:
        seen = KeyIndex()
        indexes = sorted(self.layout.index.values())
        width = len(self.layout.headers)
        for number, row in enumerate(self._rows, start=self.layout.last_row + 1):
            if isinstance(row, Record):
                row.check(self.path, width)
            if all(is_blank(row[i]) for i in indexes if i < len(row)):
                continue  # blank rows (trailing, between blocks, outside the table) are no case
            case = self.convert(number, row)
            first = seen.first_row(case.key, number) if case.key else number
            if first != number:
                case.problems.append(Problem(self._labels[self.spec.key],
                                             f"duplicate of row {first} in this file",
                                             f"{first}行目と重複しています"))
            if self.only is None or case_key(case, self.path) == self.only:
                yield case

    def convert(self, number: int, row: Row) -> CaseRow:
        """Type and check every column of one row, then the rules across columns."""
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        warnings: list[Problem] = []
        width = len(row)
        for name, index, label, convert in self._plan:
            cell = row[index] if index is not None and index < width else None
            try:
                value = values[name] = convert(cell)
            except CellError as exc:
                problems.append(Problem(label, exc.en, exc.ja))
                values[name] = None
            else:
                if value and type(cell) is not str and is_number(cell):
                    warnings += self._coerced(name, cell, value)
        if self._unbound:
            problems += self._unbound_problems(row)
        failed = {p.column for p in problems}
        for rule, labels in self._rules:
            if not labels & failed:
                problems += self._judge(rule, row, values)
        raw: dict[str, Any] = {}
        for i, header in self._raw:
            cell = row[i] if i < width else None
            raw[header] = cell if cell is None or type(cell) is str else plain(cell)
        return CaseRow(number, str(values.get(self.spec.key) or ""), values, raw, problems,
                       warnings)

    def _coerced(self, name: str, cell: Any, value: Any) -> list[Problem]:
        """A warning when a number became text (a postal code zero-padded, say)."""
        if not (is_number(cell) and isinstance(value, str) and value):
            return []
        if self.spec.columns[name].secret:
            return [Problem(self._labels[name], "a number was read as text: check it",
                            "数値を文字列として読み取りました。確認してください")]
        return [Problem(self._labels[name], f"the number {shown(cell)} was read as the text "
                        f"{value!r}: check it", f"数値 {shown(cell)} を文字列「{value}」として"
                        "読み取りました。確認してください")]

    def _unbound_problems(self, row: Row) -> list[Problem]:
        """Cells no bot column reads are still written to the results: no control,
        bidirectional or zero-width character there either (never quoted: they may be
        personal data the bot does not know of)."""
        problems = []
        for i, header in self._unbound:
            cell = row[i] if i < len(row) else None
            if isinstance(cell, str):
                finding = policy.check_text(transforms.trim(cell), UNBOUND.allow,
                                            policy.EXCEL_MAX_LENGTH)
                if finding is not None:
                    problems.append(Problem(header, finding.en, finding.ja))
        return problems

    def _cell(self, row: Row, name: str) -> Any:
        index = self.layout.index.get(name)
        return row[index] if index is not None and index < len(row) else None

    def _judge(self, rule: rules.Rule, row: Row, values: Mapping[str, Any]) -> list[Problem]:
        reason = rules.judge(rule, values, self._labels, _Said(self, row))
        if reason is None:
            return []
        column = "・".join(self._labels[c] for c in rule.columns)
        return [Problem(column, *reason)]

    def close(self) -> None:
        """Release the file."""
        if isinstance(self._rows, Generator):
            self._rows.close()
        self._source.close()

    def __enter__(self) -> CaseStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class _Said(Mapping[str, str]):
    """Each cell of a row as staff typed it (``""`` for a secret column), worked out only
    when a broken rule quotes it."""

    def __init__(self, stream: CaseStream, row: Row) -> None:
        self._stream, self._row = stream, row

    def __getitem__(self, name: str) -> str:
        if name not in self._stream.spec.columns:
            raise KeyError(name)
        if self._stream.spec.columns[name].secret:
            return ""
        return shown(self._stream._cell(self._row, name))

    def __iter__(self) -> Iterator[str]:
        return iter(self._stream.spec.columns)

    def __len__(self) -> int:
        return len(self._stream.spec.columns)


def open_cases(path: Path, spec: InputSpec, *, today: date | None = None,
               limits: Limits | None = None) -> CaseStream:
    """Open ``path`` and find its case table; ``CaseDataError`` when the file is unusable.

    ``today`` (default: the local date) is what ``min: today``/``max: today`` mean;
    ``limits`` (default: ``Limits.from_env()``) what an .xlsx may unpack to.
    """
    source = open_source(path, spec, limits)
    try:
        return _find_table(path, source, spec, today or date.today())
    except BaseException:
        source.close()
        raise


def open_source(path: Path, spec: InputSpec, limits: Limits | None = None) -> Source:
    """The workbook or text file at ``path``, chosen by its first bytes, then its suffix."""
    if not path.is_file():
        raise CaseDataError(f"{path}: no such file")
    with path.open("rb") as stream:
        magic = stream.read(8)
    suffix = path.suffix.lower()
    if not magic:
        raise CaseDataError(f"{path}: the file is empty")
    if magic == OLE_MAGIC:
        if is_encrypted_workbook(path):
            raise CaseDataError(f"{path}: encrypted: save it without a password")
        raise CaseDataError(f"{path}: an Excel 97-2003 workbook (.xls); open it in Excel and "
                            "save it as .xlsx")
    if magic.startswith(ZIP_MAGIC) or suffix in XLSX_SUFFIXES:
        limits = limits or Limits.from_env()
        check_archive(path, limits)
        return open_workbook(path, spec.sheet, limits)
    if suffix in TEXT_SUFFIXES:
        return open_text(path, spec.encoding)
    raise CaseDataError(f"{path}: unsupported file type {suffix or '(no suffix)'} "
                        "(use .xlsx, .csv, .tsv or .txt)")


def _find_table(path: Path, source: Source, spec: InputSpec, today: date) -> CaseStream:
    searched: list[str] = []
    closest: tuple[str, int, list[str]] | None = None
    for name, rows in source.tables():
        search = HeaderSearch(spec)
        found = search.run(rows)
        if found is not None:
            _refuse_repeated(path, name, found[0], source)
            return CaseStream(path, name, found[0], rows=found[1], spec=spec, source=source,
                              today=today)
        if isinstance(rows, Generator):
            rows.close()
        searched.append(name or path.name)
        if search.closest and (closest is None or len(search.closest[1]) < len(closest[2])):
            closest = (name, *search.closest)
    raise CaseDataError(_no_header(path, spec, searched, closest, source.hidden))


def _refuse_repeated(path: Path, sheet: str, layout: Layout, source: Source) -> None:
    """Refuse a header naming two columns alike: which one the bot should read is a guess."""
    if layout.repeated is None:
        return
    (first, one), (second, other) = layout.repeated
    if isinstance(source, TextSource):
        where, columns = f"{path}: line {layout.last_row}", f"{first + 1} and {second + 1}"
    else:
        where = f"{path}: sheet {sheet!r} row {layout.last_row}"
        columns = f"{get_column_letter(first + 1)} and {get_column_letter(second + 1)}"
    raise CaseDataError(f"{where}: columns {columns} have the same header "
                        f"({policy.quote(one)!r} and {policy.quote(other)!r}, alike once width, "
                        "case and spaces are ignored): rename one")


def _no_header(path: Path, spec: InputSpec, searched: list[str],
               closest: tuple[str, int, list[str]] | None, hidden: list[str]) -> str:
    search = HeaderSearch(spec)
    wanted = ", ".join(aliases(n, spec)[0] for n in search.wanted)
    rows = f"row {spec.header_row}" if spec.header_row else f"the first {HEADER_SCAN_ROWS} rows"
    message = (f"{path}: no header row with the required columns ({wanted}) in {rows} of "
               f"{', '.join(searched)}")
    if closest is not None:
        sheet = f" of {closest[0]}" if closest[0] and len(searched) > 1 else ""
        message += f" (closest: row {closest[1]}{sheet}, which lacks {', '.join(closest[2])})"
    if hidden and spec.sheet is None:
        message += f"; hidden sheets are not read: {', '.join(hidden)} (name one in input.sheet)"
    return message
