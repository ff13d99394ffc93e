"""Goodreads CSV: the parser against a Goodreads-format export, the CSV exports through HTTP, the round trip."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

import pytest

from library_api.books import service as book_service
from library_api.domain import Book, ShelfEntry
from library_api.errors import Unprocessable
from library_api.imports.goodreads import COLUMNS, MAX_ROWS, catalog_csv, decode_csv, read_csv, shelf_csv
from tests.conftest import client_as, sign_up
from tests.import_support import wait_for
from tests.metadata_server import FOX, GOOGLE_979, UCHU

EXPORT = Path(__file__).resolve().parent / "fixtures" / "goodreads" / "goodreads_library_export.csv"
UTC = timezone.utc


def _export_text() -> str:
    return EXPORT.read_text(encoding="utf-8")


def _refusal(text: str) -> list[str]:
    with pytest.raises(Unprocessable) as raised:
        read_csv(text)
    assert raised.value.code == "VALIDATION_ERROR"
    return raised.value.details["file"]


def _table(body: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


# The parser

def test_a_goodreads_export_reads_into_one_item_per_book():
    items = read_csv(_export_text())
    assert [(i.row, i.isbn, i.title, i.author, i.shelf_status, i.rating) for i in items] == [
        (1, "9780140328721", "Fantastic Mr. Fox", "Roald Dahl, Quentin Blake", "completed", 5),
        (2, "9782070360024", "L'Étranger", "Albert Camus", "completed", 4),
        (3, "9784062748681", "ノルウェイの森 上", "村上春樹", "completed", 3),
        (4, "9788420471839", "Cien años de soledad", "Gabriel García Márquez", "completed", 2),
        (5, "9780316769488", "The Catcher in the Rye", "J.D. Salinger", "completed", 1),
        (6, None, "Der Process", "Franz Kafka", "completed", None),  # 0: not rated; ="" ISBNs: none
        (7, "0441172717", "Dune", "Frank Herbert", "reading", None),  # the ISBN-10 when ISBN13 is =""
        (8, "9780593135204", "Project Hail Mary", "Andy Weir", "reading", None),  # rated while reading: dropped
        (9, "9780385353304", "Station Eleven", "Emily St. John Mandel", "wishlist", None),
        (10, None, "Война и мир", "Лев Толстой", "wishlist", None),
        (11, "9780261102217", "The Hobbit", "J.R.R. Tolkien", "wishlist", None),  # a custom shelf
    ]
    assert items[0].review_text == ('Read it aloud to my niece.\n\n"Boggis, Bunce and Bean" are still the best '
                                    "villains; the ending, well, it works.")
    assert items[1].review_text == "Aujourd'hui, maman est morte.\nOr perhaps yesterday; I can't be sure."
    assert items[2].review_text is None
    assert items[0].date_added == datetime(2023, 1, 15, tzinfo=UTC)
    assert items[9].date_added == datetime(2024, 6, 1, tzinfo=UTC)


def test_a_byte_order_mark_and_crlf_line_ends_change_nothing():
    text = _export_text()
    assert read_csv("\ufeff" + text.replace("\n", "\r\n")) == read_csv(text)


def test_an_upload_is_read_as_utf_8_or_refused():
    body = EXPORT.read_bytes()
    assert read_csv(decode_csv(b"\xef\xbb\xbf" + body)) == read_csv(decode_csv(body))
    with pytest.raises(Unprocessable) as refused:
        decode_csv("Title,ISBN\nL'Étranger,\n".encode("cp1252"))
    assert "byte 14" in refused.value.details["file"][0] and "UTF-8" in refused.value.details["file"][0]


def test_a_column_of_isbns_with_or_without_a_header():
    assert [(i.row, i.isbn) for i in read_csv("ISBN\r\n9780140328721\r\n\r\n 0-14-032872-6 \r\n")] == [
        (1, "9780140328721"), (2, "0-14-032872-6")]
    assert [(i.row, i.isbn) for i in read_csv("\ufeff9780140328721\n\n,\n0140328726")] == [
        (1, "9780140328721"), (2, "0140328726")]
    only = read_csv('isbn13\n"=""9780140328721"""\n')  # a column cut from a Goodreads file
    assert [(i.isbn, i.title, i.shelf_status) for i in only] == [("9780140328721", None, None)]


def test_a_row_that_is_no_isbn_is_passed_on_for_the_import_to_report():
    items = read_csv("isbn\n9780140328721\nnot an isbn\n9780140328721,extra\n" + "9" * 100 + "\n")
    assert [i.isbn for i in items] == ["9780140328721", "not an isbn", "9780140328721,extra", "9" * 40]


def test_a_trimmed_goodreads_file_reads_the_columns_it_has():
    items = read_csv('Title,Author,ISBN\nDune,Frank Herbert,="0441172717"\n')
    assert [(i.isbn, i.title, i.author, i.shelf_status, i.rating, i.date_added) for i in items] == [
        ("0441172717", "Dune", "Frank Herbert", None, None, None)]


def test_long_text_is_cut_to_the_apis_bounds_and_nul_dropped():
    review = "<br/>".join(["x" * 100] * 60)  # 6,059 characters once each <br/> is a line break
    row = f'"{"T" * 600}",Au\x00thor,="",read,4,"{review}"'
    (item,) = read_csv(f"Title,Author,ISBN13,Exclusive Shelf,My Rating,My Review\n{row}\n")
    assert len(item.title) == 500 and item.author == "Author"
    assert len(item.review_text) == 5000 and item.review_text.startswith("x" * 100 + "\n")


def test_odd_ratings_and_dates_are_left_out():
    rows = ["read,7,2023-02-30", "read,4.5,yesterday", "read,,2023-02-03"]
    items = read_csv("Title,ISBN,Exclusive Shelf,My Rating,Date Added\n" + "\n".join(f"T,,{r}" for r in rows))
    assert [(i.rating, i.date_added) for i in items] == [
        (None, None), (None, None), (None, datetime(2023, 2, 3, tzinfo=UTC))]


@pytest.mark.parametrize("text, message", [
    ("", "no rows"),
    ("\r\n\r\n  \n", "no rows"),
    ("isbn\n", "no rows"),
    (",".join(COLUMNS) + "\n", "no rows"),
    ("Title,Author\nDune,Frank Herbert\n", "Neither"),
    ("name,email\nann,ann@example.org\n", "Neither"),
])
def test_a_file_of_neither_shape_or_without_rows_is_refused(text, message):
    assert message in _refusal(text)[0]


def test_at_most_ten_thousand_rows():
    assert len(read_csv("isbn\n" + "9780140328721\n" * MAX_ROWS)) == MAX_ROWS
    assert "10,001 rows" in _refusal("isbn\n" + "9780140328721\n" * (MAX_ROWS + 1))[0]


@pytest.mark.parametrize("text", [
    '"unterminated\n9780140328721\n',
    'x"y"z\n9780140328721\n',
    'Title,ISBN\n"Dune" by Herbert,="0441172717\n"no end',
    "Title,ISBN\nA,\x00\n",
    "Title,ISBN\n" + "\"" + "a" * 200_000 + "\",1\n",  # one field past csv's size limit
])
def test_bad_quoting_is_read_or_refused_never_an_error(text):
    try:
        items = read_csv(text)
    except Unprocessable as refused:
        assert refused.details["file"]
    else:
        assert items and all(isinstance(item.row, int) for item in items)


# The writers and the way back

def _book(**fields) -> Book:
    return Book(**{"title": "T", "author": "A", "created_at": datetime(2024, 5, 6, 23, 59, tzinfo=UTC),
                   "id": 7, **fields})


def test_formula_text_goes_out_inert_and_comes_back_as_it_was():
    titles = ["=HYPERLINK(\"http://evil.example\")", "+1", "-2", "@SUM(A1)", "'Salem's Lot", "'=already", "Plain"]
    pages = [[_book(title=title, author="=cmd|' /C calc'!A0") for title in titles]]
    rows = _table("".join(catalog_csv(pages)))
    assert [row["Title"] for row in rows] == [
        "'=HYPERLINK(\"http://evil.example\")", "'+1", "'-2", "'@SUM(A1)", "'Salem's Lot", "''=already", "Plain"]
    assert all(not row["Title"].startswith(("=", "+", "-", "@")) for row in rows)
    assert [(i.title, i.author) for i in read_csv("".join(catalog_csv(pages)))] == [
        (title, "=cmd|' /C calc'!A0") for title in titles]


def test_a_catalog_row_has_goodreads_quoting_and_no_shelf():
    book = _book(isbn="9780140328721", isbn10="0140328726", publisher="Puffin", page_count=96,
                 publication_year=1988, average_rating=4.5, copies=3)
    body = "".join(catalog_csv([[book], [_book(title="No ISBN")]]))
    assert ',"=""0140328726""","=""9780140328721""",' in body and ',"=""""","=""""",' in body
    first = _table(body)[0]
    assert first["Book Id"] == "" and first["Exclusive Shelf"] == "" and first["My Rating"] == "0"
    assert (first["Average Rating"], first["Owned Copies"], first["Date Added"]) == ("4.50", "3", "2024/05/06")
    assert (first["Publisher"], first["Number of Pages"], first["Year Published"]) == ("Puffin", "96", "1988")


def test_a_shelf_row_carries_shelf_rating_review_and_date_and_comes_back():
    added = datetime(2025, 12, 31, 22, 0, tzinfo=UTC)
    entries = [(ShelfEntry(1, 7, "completed", 4, 'One, "two"\nthree\r\nfour', added), _book(isbn="9780140328721")),
               (ShelfEntry(1, 8, "reading", None, None, added), _book(id=8, title="B")),
               (ShelfEntry(1, 9, "wishlist", None, "-minus first", added), _book(id=9, title="C"))]
    chunks = list(shelf_csv(entries))
    rows = _table("".join(chunks))
    assert [(r["Exclusive Shelf"], r["Bookshelves"], r["My Rating"], r["Read Count"]) for r in rows] == [
        ("read", "read", "4", "1"), ("currently-reading", "currently-reading", "0", "0"), ("to-read", "to-read", "0", "0")]
    assert rows[0]["My Review"] == 'One, "two"<br/>three<br/>four' and rows[0]["Date Added"] == "2025/12/31"
    items = read_csv("".join(chunks))
    assert [(i.shelf_status, i.rating, i.review_text) for i in items] == [
        ("completed", 4, 'One, "two"\nthree\nfour'), ("reading", None, None), ("wishlist", None, "-minus first")]


# The exports through HTTP, on every store

@pytest.fixture
def catalog(member_client):
    """Three books: one looked up (with two copies), one with a 979 ISBN (no ISBN-10), one entered by hand."""
    books = [member_client.post("/books", json={"isbn": FOX.isbn13, "copies": 2}),
             member_client.post("/books", json={"isbn": GOOGLE_979.isbn13}),
             member_client.post("/books", json={"title": "=1+2", "author": "Ada, Grace"})]
    assert [b.status_code for b in books] == [201, 201, 201]
    return [b.get_json() for b in books]


def test_the_catalog_export_is_a_goodreads_file_of_every_book(client, catalog):
    response = client.get("/books/export.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="library-catalog-2026-01-15.csv"'
    body = response.get_data(as_text=True)
    assert body.startswith(",".join(COLUMNS) + "\r\n")
    assert ',"=""0140328726""","=""9780140328721""",' in body and ',"=""""","=""9798999999993""",' in body
    rows = _table(body)
    assert [(r["Title"], r["Author"], r["Owned Copies"], r["Exclusive Shelf"]) for r in rows] == [
        (FOX.title, FOX.author, "2", ""), (GOOGLE_979.title, GOOGLE_979.author, "1", ""), ("'=1+2", "Ada, Grace", "1", "")]
    assert [(i.isbn, i.title, i.author, i.shelf_status) for i in read_csv(body)] == [
        (b["isbn"], b["title"], b["author"], None) for b in catalog]


def test_the_catalog_export_takes_the_lists_filters(client, catalog):
    rows = _table(client.get("/books/export.csv?author=DAHL").get_data(as_text=True))
    assert [r["Title"] for r in rows] == [FOX.title]
    assert _table(client.get("/books/export.csv?q=nothing-matches").get_data(as_text=True)) == []
    refused = client.get("/books/export.csv?isbn=9780140328722")  # refused before any line is sent
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "INVALID_ISBN"
    assert client.get("/books/export.csv?page=2").status_code == 422


def test_the_catalog_is_read_a_chunk_at_a_time_while_it_is_sent(client, member_client, monkeypatch):
    monkeypatch.setattr(book_service, "EXPORT_CHUNK", 2)
    for n in range(5):
        member_client.post("/books", json={"title": f"Book {n}", "author": "Writer"})
    response = client.get("/books/export.csv", buffered=False)
    chunks = iter(response.response)
    seen = [next(chunks), next(chunks)]  # the header, then the first two books
    # Nothing is held between chunks: a book saved now, mid-download, is read by a later chunk.
    assert member_client.post("/books", json={"title": "Book 5", "author": "Writer"}).status_code == 201
    seen += list(chunks)
    response.close()
    pieces = [chunk.decode() if isinstance(chunk, bytes) else chunk for chunk in seen]
    assert [len(_table(",".join(COLUMNS) + "\r\n" + piece)) for piece in pieces[1:]] == [2, 2, 2]
    assert [r["Title"] for r in _table("".join(pieces))] == [f"Book {n}" for n in range(6)]


def test_a_member_exports_their_own_shelf_only(app, client, member_client, other_client, catalog):
    fox, google, manual = (book["id"] for book in catalog)
    member_client.post(f"/my-library/{fox}", json={"status": "completed", "rating": 5, "review_text": "Yes."})
    member_client.post(f"/my-library/{manual}", json={"status": "reading"})
    other_client.post(f"/my-library/{google}", json={"status": "completed", "rating": 1})
    response = member_client.get("/my-library/export.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-library-2026-01-15.csv"'
    rows = _table(response.get_data(as_text=True))
    assert [(r["Title"], r["Exclusive Shelf"], r["My Rating"], r["My Review"], r["Date Added"]) for r in rows] == [
        (FOX.title, "read", "5", "Yes.", "2026/01/15"), ("'=1+2", "currently-reading", "0", "", "2026/01/15")]
    assert [r["Title"] for r in _table(other_client.get("/my-library/export.csv").get_data(as_text=True))] == [
        GOOGLE_979.title]
    sign_up(client, "newcomer")
    assert client_as(app, "newcomer").get("/my-library/export.csv").get_data(as_text=True) == (
        ",".join(COLUMNS) + "\r\n")  # an empty shelf: the header alone


def test_the_shelf_export_needs_a_signed_in_member(client):
    response = client.get("/my-library/export.csv")
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "TOKEN_MISSING"


def test_an_exported_shelf_read_back_gives_the_same_shelf(member_client, catalog):
    more = [member_client.post("/books", json=fields).get_json() for fields in (
        {"isbn": UCHU.isbn13},
        {"title": "'Salem's Lot", "author": "Stephen King"},
        {"title": "@home, \"quoted\"", "author": "-dash Author"},
        {"title": "Война и мир", "author": "Лев Толстой"})]
    shelf = [
        (catalog[0], {"status": "completed", "rating": 5, "review_text": 'Line one,\nline "two"\n\n=three'}),
        (catalog[1], {"status": "reading", "review_text": "+Plus, and a tab\tinside"}),
        (catalog[2], {"status": "wishlist"}),
        (more[0], {"status": "completed", "rating": 3, "review_text": "宇宙、最高。"}),
        (more[1], {"status": "completed"}),
        (more[2], {"status": "wishlist", "review_text": "@mention first"}),
        (more[3], {"status": "completed", "rating": 1, "review_text": "Long.\r\nVery."}),
    ]
    for book, fields in shelf:
        assert member_client.post(f"/my-library/{book['id']}", json=fields).status_code == 201
    body = member_client.get("/my-library/export.csv").get_data(as_text=True)
    assert not any(r["Title"].startswith(("=", "+", "-", "@")) or r["My Review"].startswith(("=", "+", "-", "@"))
                   for r in _table(body))
    stored = member_client.get("/my-library").get_json()
    items = read_csv(body)
    assert [(i.isbn, i.shelf_status, i.rating, i.review_text, i.title, i.author) for i in items] == [
        (e["book"]["isbn"], e["status"], e["rating"], e["review_text"] and e["review_text"].replace("\r\n", "\n"),
         e["book"]["title"], e["book"]["author"]) for e in stored]
    assert len(items) == 7 and all(i.date_added == datetime(2026, 1, 15, tzinfo=UTC) for i in items)


def test_a_shelf_exported_and_imported_by_another_member_is_the_same_shelf(client, member_client, other_client,
                                                                           catalog):
    """Out through GET /my-library/export.csv, in through POST /imports: the second member's shelf is the first's,
    on the same books (those without an ISBN found by title and author), and the catalog gains no book."""
    extra = member_client.post("/books", json={"title": "Война и мир", "author": "Лев Толстой"}).get_json()
    shelf = [(catalog[0], {"status": "completed", "rating": 5, "review_text": 'Line one,\nline "two"\n=three'}),
             (catalog[1], {"status": "reading", "review_text": "+Plus, and a tab\tinside"}),
             (catalog[2], {"status": "wishlist"}),
             (extra, {"status": "completed", "rating": 2})]
    for book, fields in shelf:
        assert member_client.post(f"/my-library/{book['id']}", json=fields).status_code == 201
    def catalog_now():  # the books, not their figures: the second member's ratings count too
        return [(b["id"], b["isbn"], b["title"], b["author"]) for b in client.get("/books?per_page=500").get_json()]
    books_before = catalog_now()
    exported = member_client.get("/my-library/export.csv").get_data()

    response = other_client.post("/imports", data=exported, content_type="text/csv")
    assert response.status_code == 202, response.get_json()
    job = wait_for(other_client, response.headers["Location"])
    assert job["counts"] == {"duplicate": 4}
    assert catalog_now() == books_before

    def kept(client_):
        return [(e["book"]["id"], e["status"], e["rating"], e["review_text"], e["date_added"][:10])
                for e in client_.get("/my-library").get_json()]
    assert sorted(kept(other_client)) == sorted(kept(member_client))
    # Imported twice, nothing changes: the entries are there already, and the books too.
    again = other_client.post("/imports", data=exported, content_type="text/csv")
    assert wait_for(other_client, again.headers["Location"])["counts"] == {"duplicate": 4}
    assert sorted(kept(other_client)) == sorted(kept(member_client))
    assert catalog_now() == books_before
