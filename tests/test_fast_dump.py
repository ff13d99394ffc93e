"""FastDump gives exactly marshmallow's answer: the book schemas dump the same through either path."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import Schema, fields, post_dump

from library_api.books.schemas import BookOut
from library_api.borrow.schemas import BorrowedBookOut
from library_api.domain import Book
from library_api.schemas import FastDump

pytestmark = pytest.mark.parametrize("store", ["memory"])  # no store involved

NOW = datetime(2026, 11, 25, 6, 30, 15, 123456, tzinfo=timezone.utc)


def _books() -> list[Book]:
    full = Book(title="Fantastic Mr. Fox", author="Roald Dahl", isbn="9780140328721", isbn10="0140328726",
                subtitle="A tale", summary="Ünïcödé ✓ \"quoted\"\n", cover_url="https://covers.example/b/id/1-L.jpg",
                publication_year=1988, genre="Children's", publisher="Puffin", page_count=96, source="openlibrary",
                created_at=NOW, updated_at=NOW + timedelta(days=1), id=7, average_rating=4.33, rating_count=3,
                copies=2, available_copies=1)
    bare = Book(title="Ἀνάβασις", id=8, created_at=NOW.astimezone(timezone(timedelta(hours=-5))), updated_at=NOW)
    odd = dataclasses.replace(full, id=9, publication_year=-300, average_rating=5.0, available_copies=0, copies=0,
                              created_at=None, updated_at=None)
    return [full, bare, odd]


def _generic(schema: Schema, obj, many: bool):
    return Schema.dump(schema, obj, many=many)


@pytest.mark.parametrize("schema_class", [BookOut])
def test_a_list_and_a_book_dump_as_marshmallow_dumps_them(schema_class, store):
    books = _books()
    schema = schema_class(many=True)
    assert schema._dump_plan() is not None  # the fast path is the one taken
    assert schema.dump(books) == _generic(schema, books, True)
    for book in books:
        assert schema_class().dump(book) == _generic(schema_class(), book, False)
    assert schema_class(many=True).dump([]) == []


def test_a_borrowed_book_with_its_loan_dumps_as_marshmallow_dumps_it(store):
    @dataclasses.dataclass
    class Borrowed(Book):
        loan_id: int = 1
        copy_id: int | None = None
        barcode: str = "C1"
        borrowed_at: datetime = NOW
        due_at: datetime = NOW
        overdue: bool = False

    rows = [Borrowed(**{f.name: getattr(book, f.name) for f in dataclasses.fields(Book)}, copy_id=3)
            for book in _books()]
    schema = BorrowedBookOut(many=True)
    assert schema.dump(rows) == _generic(schema, rows, True)


def test_values_of_other_types_are_converted_as_marshmallow_converts_them(store):
    # The fast path hands str, int, float and bool values over as they are; anything else is converted.
    odd = dataclasses.replace(_books()[0], title=123, page_count=True, average_rating=4, publication_year=1988.0)
    dumped = BookOut().dump(odd)
    assert dumped == _generic(BookOut(), odd, False)
    assert (dumped["title"], dumped["page_count"], dumped["average_rating"]) == ("123", 1, 4.0)
    assert type(dumped["publication_year"]) is int and type(dumped["average_rating"]) is float


def test_mappings_and_objects_lacking_a_field_take_the_generic_path(store):
    as_dict = {"id": 1, "title": "A", "copies": 0, "available_copies": 0, "available": False, "source": "manual"}
    assert BookOut().dump(as_dict) == _generic(BookOut(), as_dict, False)

    @dataclasses.dataclass
    class Partial:
        id: int = 1
        title: str = "Only two fields"

    assert BookOut().dump(Partial()) == _generic(BookOut(), Partial(), False) == {"id": 1, "title": "Only two fields"}


def test_schemas_with_hooks_or_reading_fields_are_never_planned(store):
    class Hooked(FastDump):
        name = fields.String()

        @post_dump
        def shout(self, data, **kwargs):
            return {key: value.upper() for key, value in data.items()}

    class Computed(FastDump):
        name = fields.Method("upper")

        def upper(self, obj):
            return obj.name.upper()

    class Dotted(FastDump):
        name = fields.String(attribute="inner.name")

    for schema in (Hooked(), Computed(), Dotted()):
        assert schema._dump_plan() is None
    named = type("Named", (), {"name": "x"})()
    assert Hooked().dump(named) == Computed().dump(named) == {"name": "X"}
