"""The signed-in user's reading shelf, and every user's public reviews of a book."""
from __future__ import annotations

import dataclasses

from flask import url_for

from ..auth.guards import current_actor, signed_in
from ..imports import goodreads
from ..openapi import CSV_FILE, header_refs
from ..web import Blueprint, csv_download, utcnow, uow
from . import service
from .schemas import ReviewOut, ShelfEntryIn, ShelfEntryOut, ShelfListArgs

bp = Blueprint("shelf", __name__, description="Your reading shelf and reviews")


def _item(pair: service.ShelfItem) -> dict:
    entry, book = pair
    return {**dataclasses.asdict(entry), "book": book}


@bp.route("/my-library", methods=["GET"])
@signed_in
@bp.arguments(ShelfListArgs, location="query")
@bp.response(200, ShelfEntryOut(many=True))
def list_shelf(args):
    """List your shelf, optionally of one status."""
    items = service.list_shelf(uow(), user_id=current_actor().id, status=args.get("status"))
    return [_item(pair) for pair in items]


@bp.route("/my-library/export.csv", methods=["GET"])
@signed_in
@bp.response(200, CSV_FILE, content_type="text/csv", description="Your shelf in Goodreads' columns",
             headers=header_refs("Content-Disposition"))
def export_shelf():
    """Download your shelf as a Goodreads CSV: shelf, rating, review and date added of each book."""
    items = service.list_shelf(uow(), user_id=current_actor().id, status=None)
    return csv_download(goodreads.shelf_csv(items), "my-library")


@bp.route("/my-library/<id:book_id>", methods=["POST"])
@signed_in
@bp.arguments(ShelfEntryIn, required=False)
@bp.response(201, ShelfEntryOut)
@bp.errors(409)
def add_to_shelf(fields, book_id):
    """Put a book on your shelf (status defaults to wishlist)."""
    item = service.add_to_shelf(uow(), user_id=current_actor().id, book_id=book_id, fields=fields, now=utcnow())
    return _item(item), {"Location": url_for("shelf.get_shelf_entry", book_id=book_id)}


@bp.route("/my-library/<id:book_id>", methods=["GET"])
@signed_in
@bp.response(200, ShelfEntryOut)
def get_shelf_entry(book_id):
    """Show one book on your shelf (404 if it is not there)."""
    return _item(service.get_shelf_entry(uow(), user_id=current_actor().id, book_id=book_id))


@bp.route("/my-library/<id:book_id>", methods=["PATCH"])
@signed_in
@bp.arguments(ShelfEntryIn, required=False)
@bp.response(200, ShelfEntryOut)
def update_shelf_entry(changes, book_id):
    """Change a shelf entry's status, rating or review."""
    return _item(service.update_shelf_entry(uow(), user_id=current_actor().id, book_id=book_id,
                                            changes=changes, now=utcnow()))


@bp.route("/my-library/<id:book_id>", methods=["DELETE"])
@signed_in
@bp.response(204)
def remove_from_shelf(book_id):
    """Take a book off your shelf."""
    service.remove_from_shelf(uow(), user_id=current_actor().id, book_id=book_id)


@bp.route("/books/<id:book_id>/reviews", methods=["GET"])
@bp.response(200, ReviewOut(many=True))
def list_reviews(book_id):
    """List every user's rating and review of a book."""
    return service.reviews_of_book(uow(), book_id=book_id)
