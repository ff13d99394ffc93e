"""Catalog routes: list, read, add, replace, change, refresh and delete books."""
from __future__ import annotations

from flask import url_for

from ..auth.guards import catalog_writer
from ..domain import BookQuery, sort_value
from ..imports import goodreads
from ..openapi import CSV_FILE, header_refs
from ..pagination import cursor_headers, encode_cursor
from ..web import Blueprint, circulation_rules, csv_download, metadata_lookup, utcnow, uow
from . import service
from .schemas import BookCreate, BookFilterArgs, BookListArgs, BookOut, BookPatch, BookReplace

bp = Blueprint("books", __name__, description="The library's catalog")


@bp.route("/books", methods=["GET"])
@bp.arguments(BookListArgs, location="query", as_kwargs=True)
@bp.response(200, BookOut(many=True), headers=header_refs("Link", "X-Total-Count"))
@bp.errors(400)
def list_books(page, per_page, sort, after=None, **filters):
    """List the catalog, filtered, sorted and paginated (by page, or by the cursor of a next link)."""
    query = BookQuery(page=page, per_page=per_page, sort=sort.lstrip("-"), descending=sort.startswith("-"),
                      after=after and after[1:], **filters)
    found = service.list_books(uow(), query=query)
    last = found.items[-1] if found.items else None
    next_cursor = encode_cursor(sort, sort_value(last, query.sort), last.id) if last else None
    return found.items, cursor_headers(found, page=page, per_page=per_page, next_cursor=next_cursor)


@bp.route("/books/export.csv", methods=["GET"])
@bp.arguments(BookFilterArgs, location="query", as_kwargs=True)
@bp.response(200, CSV_FILE, content_type="text/csv", description="The catalog in Goodreads' columns",
             headers=header_refs("Content-Disposition"))
@bp.errors(400)
def export_books(**filters):
    """Download the catalog (or the books the filters match) as a Goodreads CSV, oldest first, streamed."""
    chunks = service.export_books(uow(), query=BookQuery(**filters))
    return csv_download(goodreads.catalog_csv(chunks), "library-catalog")


@bp.route("/books", methods=["POST"])
@catalog_writer
@bp.arguments(BookCreate)
@bp.response(201, BookOut, headers=header_refs("Location"))
@bp.errors(409, 502, 504)
def add_book(fields):
    """Add a book by ISBN (looked up), by its fields, or both (given fields win)."""
    book = service.add_book(uow(), metadata_lookup(), fields=fields, now=utcnow())
    return book, {"Location": url_for("books.get_book", book_id=book.id)}


@bp.route("/books/<id:book_id>", methods=["GET"])
@bp.response(200, BookOut)
def get_book(book_id):
    """Show one book."""
    return service.get_book(uow(), book_id=book_id)


@bp.route("/books/<id:book_id>", methods=["PUT"])
@catalog_writer
@bp.arguments(BookReplace)
@bp.response(200, BookOut)
@bp.errors(409)
def replace_book(fields, book_id):
    """Replace a book; fields left out are cleared."""
    return service.replace_book(uow(), book_id=book_id, fields=fields, now=utcnow())


@bp.route("/books/<id:book_id>", methods=["PATCH"])
@catalog_writer
@bp.arguments(BookPatch, required=False)
@bp.response(200, BookOut)
@bp.errors(409)
def update_book(changes, book_id):
    """Change some fields of a book."""
    return service.update_book(uow(), book_id=book_id, changes=changes, now=utcnow())


@bp.route("/books/<id:book_id>/refresh", methods=["POST"])
@catalog_writer
@bp.response(200, BookOut)
def refresh_book(book_id):
    """Look a book's ISBN up again and fill the fields it lacks."""
    return service.refresh_book(uow(), metadata_lookup(), book_id=book_id, now=utcnow())


@bp.route("/books/<id:book_id>", methods=["DELETE"])
@catalog_writer
@bp.response(204)
@bp.errors(409)
def delete_book(book_id):
    """Delete a book with its copies, holds, loan history, favorites and shelf entries."""
    service.delete_book(uow(), book_id=book_id, now=utcnow(), rules=circulation_rules())
