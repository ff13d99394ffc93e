"""ISBN lookup: a book's details from the metadata providers, saving nothing."""
from __future__ import annotations


from ..web import Blueprint, metadata_lookup
from . import service
from ..schemas import ISBN_PATTERN, ErrorEnvelope
from .schemas import IsbnOut

bp = Blueprint("isbn", __name__, description="Look a book up by ISBN")


@bp.route("/isbn/<path:isbn>", methods=["GET"], parameters=[{
    "in": "path", "name": "isbn", "description": "ISBN-10 or ISBN-13; hyphens and spaces allowed",
    "schema": {"type": "string", "pattern": ISBN_PATTERN}, "example": "978-0-14-032872-1"}])
@bp.response(200, IsbnOut)
@bp.alt_response(400, schema=ErrorEnvelope, description="Not a valid ISBN")
@bp.alt_response(404, schema=ErrorEnvelope, description="No provider knows this ISBN")
@bp.alt_response(502, schema=ErrorEnvelope, description="A metadata provider failed")
@bp.alt_response(504, schema=ErrorEnvelope, description="A metadata provider timed out")
def look_up_isbn(isbn):
    """Fetch a book's details by ISBN-10 or ISBN-13 (hyphens allowed) without saving it."""
    return service.look_up_isbn(metadata_lookup(), raw_isbn=isbn).to_dict()
