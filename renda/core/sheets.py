"""Reading an uploaded sheet for an import, and the row-by-row report every import page shows.

The suggestions, the deputies' roster and the citizens' opinions imports all read a file the same way:
the upload is refused over a size limit before it is read whole; the first row names the columns; empty
rows are passed over and more than ``max_rows`` are refused; each data row is checked into a row of the
report with its errors per column (``RowError``), so the page can say "row 7, column 手机号: ..." and
import the valid rows only, or all of them, or none.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Generic, TypeVar

from renda.core.errors import InvalidInput

if TYPE_CHECKING:
    from renda.organizations.models import Congress

MAX_ROWS = 5000
XLSX_INVALID = "文件不是有效的 Excel 文件，请上传 .xlsx 格式（可用模板另存）"


@dataclass(frozen=True)
class RowError:
    column: str
    message: str


@dataclass
class SheetRow:
    """One data row (numbered as in the sheet, the header is row 1) and what is wrong with it."""

    row: int
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(column, message))


RowT = TypeVar("RowT", bound=SheetRow)


@dataclass
class SheetReport(Generic[RowT]):
    """The checked rows of one file for one congress."""

    congress: Congress
    rows: list[RowT]

    @property
    def valid_rows(self) -> list[RowT]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid_rows(self) -> list[RowT]:
        return [row for row in self.rows if not row.ok]

    @property
    def valid(self) -> int:
        return len(self.valid_rows)

    @property
    def invalid(self) -> int:
        return len(self.invalid_rows)


def read_upload(file: bytes | IO[bytes] | Any, *, max_bytes: int, empty_message: str) -> bytes:
    """The upload's content, refusing anything over ``max_bytes`` before reading it all."""
    too_big = InvalidInput(
        f"文件超过 {max_bytes // (1024 * 1024)} MB，请分成几个文件导入", code="too_large", field="file"
    )
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > max_bytes:
            raise too_big
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big
    if not data:
        raise InvalidInput(empty_message, code="required", field="file")
    return data


def cell_text(value: object) -> str:
    """A cell as text: whole numbers without ".0", dates as 2026-01-05, text stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def open_xlsx(data: bytes, *, invalid_message: str = XLSX_INVALID) -> Any:
    """The first worksheet of an .xlsx file (read-only), or ``InvalidInput`` on ``file``."""
    from openpyxl import load_workbook

    if not data.startswith(b"PK"):
        raise InvalidInput(invalid_message, code="invalid_file", field="file")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return workbook.worksheets[0]
    except Exception as error:  # a broken zip or XML can raise almost anything; all mean "not an .xlsx"
        raise InvalidInput(invalid_message, code="invalid_file", field="file") from error


def named_columns(cells: Iterable[object], required: Collection[str]) -> dict[str, int]:
    """Each column name's index in the header row (a leading * marks a required column in templates)."""
    columns: dict[str, int] = {}
    for index, value in enumerate(cells):
        name = cell_text(value).lstrip("*＊\ufeff").strip()
        if name and name not in columns:
            columns[name] = index
    missing = [column for column in required if column not in columns]
    if missing:
        raise InvalidInput(
            f"表格缺少“{missing[0]}”列，请使用导入模板（第一行为列名）", code="missing_column", field="file"
        )
    return columns


def data_rows(
    rows: Iterator[Sequence[object] | None],
    header: Callable[[Sequence[object]], dict[str, int]],
    *,
    empty_message: str,
    max_rows: int = MAX_ROWS,
) -> Iterator[tuple[int, dict[str, object]]]:
    """Each non-empty data row as (its row number, {column: value}); ``header`` finds the columns."""
    first = next(rows, None)
    if first is None or all(cell_text(value) == "" for value in first):
        raise InvalidInput(empty_message, code="empty", field="file")
    columns = header(first)
    count = 0
    for number, values in enumerate(rows, start=2):
        if values is None or all(cell_text(value) == "" for value in values):
            continue
        count += 1
        if count > max_rows:
            raise InvalidInput(f"一次最多导入 {max_rows} 行，请分成几个文件导入", code="too_many_rows", field="file")
        yield number, {name: (values[index] if index < len(values) else None) for name, index in columns.items()}
