"""Goodreads' library export, read into import rows and written from the catalog or a member's shelf.

Goodreads' CSV is what reading sites exchange (StoryGraph, Hardcover and BookWyrm read it), so the library
reads it and writes it in the same 24 columns. A plain column of ISBNs is read too. Formats only: nothing
here knows the store or the request.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from itertools import islice

from ..domain import Book, ShelfEntry
from ..errors import Unprocessable
from .items import ImportItem

COLUMNS = ("Book Id", "Title", "Author", "Author l-f", "Additional Authors", "ISBN", "ISBN13", "My Rating",
           "Average Rating", "Publisher", "Binding", "Number of Pages", "Year Published",
           "Original Publication Year", "Date Read", "Date Added", "Bookshelves", "Bookshelves with positions",
           "Exclusive Shelf", "My Review", "Spoiler", "Private Notes", "Read Count", "Owned Copies")
MAX_ROWS = 10_000
# The API's own bounds (the book and shelf columns): longer text is cut, not refused, since an import
# row cannot carry an error of its own and one long review should not refuse a whole file.
TEXT_CHARS, REVIEW_CHARS = 500, 5_000
# An ISBN cell is passed on as sent, for the import to judge and report; one longer than this is no ISBN
# anyway (an ISBN with all its hyphens is at most 32), and is cut so that a row's report stays small.
ISBN_CHARS = 40
# Goodreads' exclusive shelves; any custom exclusive shelf (did-not-finish, abandoned...) is a wishlist
# entry: it claims neither that the member is reading the book nor that they finished it.
STATUS_OF_SHELF = {"to-read": "wishlist", "currently-reading": "reading", "read": "completed"}
SHELF_OF_STATUS = {status: shelf for shelf, status in STATUS_OF_SHELF.items()}
DATE_FORMAT = "%Y/%m/%d"  # Goodreads' Date Added
ISBN_HEADERS = {"isbn", "isbn10", "isbn13"}
ROWS_PER_CHUNK = 500

_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_NEWLINE = re.compile(r"\r\n|\r|\n")
# Goodreads writes ISBNs as the formula ="0140328726" so that spreadsheets keep the leading zero.
_SPREADSHEET_TEXT = re.compile(r'="(.*)"', re.DOTALL)
# A cell a spreadsheet would run as a formula (OWASP's CSV injection triggers), after any apostrophes:
# the writer puts one more apostrophe before such a cell and the reader takes it off again, so that
# every text goes out inert and comes back as it was ("'Salem's Lot" is left alone both ways).
_FORMULA = re.compile(r"'*[=+\-@\t\r]")


def read_csv(text: str) -> list[ImportItem]:
    """The rows of a column of ISBNs (a header such as `isbn` optional) or of a Goodreads library export.

    Blank lines are no rows. Raises Unprocessable VALIDATION_ERROR (details.file) for a file of neither
    shape, one without rows, or one of more than MAX_ROWS.
    """
    records = _records(text)
    first = records[0] if records else []
    header = {_name(cell): index for index, cell in reversed(list(enumerate(first)))}
    goodreads = "title" in header and ("isbn13" in header or "isbn" in header)
    if not goodreads and len(_filled(first)) > 1:
        raise _refused("Neither a column of ISBNs nor Goodreads' library export (a header with Title and "
                       "ISBN13 or ISBN).")
    body = records[1:] if goodreads or _is_isbn_header(first) else records
    if not body:
        raise _refused("The file has no rows.")
    if len(body) > MAX_ROWS:
        raise _refused(f"The file has {len(body):,} rows; send at most {MAX_ROWS:,} at a time.")
    if goodreads:
        return [_goodreads_item(row, _Cells(header, record)) for row, record in enumerate(body, start=1)]
    return [_isbn_item(row, record) for row, record in enumerate(body, start=1)]


def decode_csv(body: bytes) -> str:
    """An uploaded file's text. Raises Unprocessable VALIDATION_ERROR (details.file) unless it is UTF-8."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        # Goodreads writes UTF-8; a spreadsheet's plain "CSV" may be a legacy code page, whose guess
        # would turn every accented title into another.
        raise _refused(f"The file is not UTF-8 text (byte {error.start + 1}); save it as \"CSV UTF-8\".") from None


def catalog_csv(pages: Iterable[list[Book]]) -> Iterator[str]:
    """The catalog in Goodreads' columns, one chunk of text per page of books; the shelf columns empty."""
    yield _lines([COLUMNS])
    for books in pages:
        yield _lines(_row(book, None) for book in books)


def shelf_csv(items: Iterable[tuple[ShelfEntry, Book]]) -> Iterator[str]:
    """A member's shelf in Goodreads' columns (shelf, rating, review, date added), ROWS_PER_CHUNK rows a chunk."""
    yield _lines([COLUMNS])
    items = iter(items)
    while chunk := list(islice(items, ROWS_PER_CHUNK)):
        yield _lines(_row(book, entry) for entry, book in chunk)


# Reading

def _records(text: str) -> list[list[str]]:
    """The file's non-blank records; csv's lenient mode reads stray quotes as text instead of failing."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=False)
    try:
        return [record for record in reader if _filled(record)]
    except csv.Error as error:  # a field past csv's size limit, or a NUL on older Pythons
        raise _refused(f"Line {reader.line_num} is not CSV: {error}.") from None


class _Cells:
    """One Goodreads record, its cells found by column name, trimmed; a missing column is empty."""

    def __init__(self, header: dict[str, int], record: list[str]) -> None:
        self.header, self.record = header, record

    def __call__(self, column: str) -> str:
        index = self.header.get(_name(column))
        return self.record[index].strip() if index is not None and index < len(self.record) else ""

    def text(self, column: str) -> str:
        return _inert_text_back(self(column)).strip()


def _goodreads_item(row: int, cells: _Cells) -> ImportItem:
    status = _status(cells("Exclusive Shelf"))
    authors = ", ".join(name for name in (cells.text("Author"), cells.text("Additional Authors")) if name)
    review = _BREAK.sub("\n", cells.text("My Review")).strip()
    return ImportItem(
        row=row, isbn=_isbn(cells("ISBN13")) or _isbn(cells("ISBN")) or None,
        title=_fit(cells.text("Title"), TEXT_CHARS), author=_fit(authors, TEXT_CHARS), shelf_status=status,
        # Our rule: only a completed book takes a rating; Goodreads' 0 means "not rated".
        rating=_rating(cells("My Rating")) if status == "completed" else None,
        review_text=_fit(review, REVIEW_CHARS), date_added=_date(cells("Date Added")))


def _isbn_item(row: int, record: list[str]) -> ImportItem:
    # A row of several cells is passed on as written: the import reports it as an invalid ISBN.
    return ImportItem(row=row, isbn=_isbn(",".join(_filled(record))))


def _isbn(cell: str) -> str:
    cell = cell.strip()
    match = _SPREADSHEET_TEXT.fullmatch(cell)
    return (match.group(1) if match else cell).replace("\x00", "").strip()[:ISBN_CHARS]


def _status(shelf: str) -> str | None:
    """A shelf status; None for an empty Exclusive Shelf (a catalog row, not a shelf row)."""
    return STATUS_OF_SHELF.get(shelf.casefold(), "wishlist") if shelf else None


def _rating(cell: str) -> int | None:
    return int(cell) if cell in ("1", "2", "3", "4", "5") else None


def _date(cell: str) -> datetime | None:
    for layout in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(cell, layout).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _fit(text: str, limit: int) -> str | None:
    # PostgreSQL stores no NUL; the API's text fields refuse it, so an import drops it.
    return text.replace("\x00", "")[:limit].strip() or None


def _inert_text_back(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell) else cell


def _is_isbn_header(record: list[str]) -> bool:
    return any(re.sub(r"[^a-z0-9]", "", _name(cell)) in ISBN_HEADERS for cell in _filled(record))


def _filled(record: list[str]) -> list[str]:
    return [cell for cell in record if cell.strip()]


def _name(cell: str) -> str:
    return cell.strip().casefold()


def _refused(message: str) -> Unprocessable:
    return Unprocessable("VALIDATION_ERROR", "The file is not a CSV this API reads", file=[message])


# Writing

def _row(book: Book, entry: ShelfEntry | None) -> list:
    shelf = SHELF_OF_STATUS[entry.status] if entry else ""
    review = _NEWLINE.sub("<br/>", entry.review_text) if entry and entry.review_text else ""
    cells = {
        # Empty, not our id: tools that read the column take it for a Goodreads book id and would link
        # the wrong book. The ISBN is the identifier that travels.
        "Book Id": "", "Title": _inert(book.title), "Author": _inert(book.author),
        "ISBN": _spreadsheet_text(book.isbn10), "ISBN13": _spreadsheet_text(book.isbn),
        "My Rating": (entry.rating or 0) if entry else 0,
        "Average Rating": f"{book.average_rating or 0:.2f}", "Publisher": _inert(book.publisher),
        "Number of Pages": book.page_count or "", "Year Published": book.publication_year or "",
        "Date Added": _day(entry.date_added if entry else book.created_at),
        "Bookshelves": shelf, "Exclusive Shelf": shelf, "My Review": _inert(review),
        "Read Count": int(shelf == "read"), "Owned Copies": 0 if entry else book.copies,
    }
    return [cells.get(column, "") for column in COLUMNS]


def _inert(text: str | None) -> str:
    if not text:
        return ""
    return "'" + text if _FORMULA.match(text) else text


def _spreadsheet_text(isbn: str | None) -> str:
    return f'="{isbn or ""}"'


def _day(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return (moment.astimezone(timezone.utc) if moment.tzinfo else moment).strftime(DATE_FORMAT)


def _lines(rows: Iterable) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()
