"""The signed-in user's favorite books."""
from __future__ import annotations


from flask import url_for

from ..auth.guards import current_actor, signed_in
from ..books.schemas import BookOut
from ..web import Blueprint, utcnow, uow
from . import service

bp = Blueprint("favorites", __name__, description="Your favorite books")


@bp.route("/favorites", methods=["GET"])
@signed_in
@bp.response(200, BookOut(many=True))
def list_favorites():
    """List your favorite books."""
    return service.list_favorites(uow(), user_id=current_actor().id)


@bp.route("/favorites/<id:book_id>", methods=["POST"])
@signed_in
@bp.response(201, BookOut, description="Marked as a favorite")
@bp.alt_response(200, schema=BookOut, description="Already a favorite", success=True)
def add_favorite(book_id):
    """Mark a book as a favorite (201, or 200 if it already was one)."""
    book, created = service.add_favorite(uow(), user_id=current_actor().id, book_id=book_id, now=utcnow())
    return book, 201 if created else 200, {"Location": url_for("favorites.get_favorite", book_id=book_id)}


@bp.route("/favorites/<id:book_id>", methods=["GET"])
@signed_in
@bp.response(200, BookOut)
def get_favorite(book_id):
    """Show a book among your favorites (404 if it is not one)."""
    return service.get_favorite(uow(), user_id=current_actor().id, book_id=book_id)


@bp.route("/favorites/<id:book_id>", methods=["DELETE"])
@signed_in
@bp.response(204)
def remove_favorite(book_id):
    """Unmark a favorite."""
    service.remove_favorite(uow(), user_id=current_actor().id, book_id=book_id)
