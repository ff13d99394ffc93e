"""Imports: start one from a JSON list or a CSV body, watch its progress, run its failed rows again."""
from __future__ import annotations

from flask import current_app, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from ..auth.guards import catalog_writer, current_actor
from ..errors import Unprocessable
from ..middleware import FORM_ENDPOINTS
from ..openapi import BEARER, OAUTH2, header_refs
from ..pagination import page_headers
from ..schemas import PageArgs
from ..web import Blueprint, utcnow, uow
from . import goodreads, service
from .schemas import ImportIn, ImportOut, ImportProgressOut

bp = Blueprint("imports", __name__, description="Many ISBNs, or a Goodreads export, added outside the request")
# Its body is JSON or CSV: the route decides, not the JSON-only check every other route has.
FORM_ENDPOINTS.add("imports.start_import")

# No schema: any text is a CSV to its reader, which answers 422 naming `file` for one it cannot read.
CSV_BODY = {"required": True, "description": (
    "JSON `{\"isbns\": [...]}`, or `text/csv`: a column of ISBNs, or Goodreads' library export (its columns "
    "Title, Author, ISBN, ISBN13, Exclusive Shelf, My Rating, My Review, Date Added)"),
    "content": {"text/csv": {"example": "ISBN\n9780140328721\n0060273224\n"}}}


def _mode() -> str:
    return current_app.config["LIBRARY_WRITE_ACCESS"]


def _runner():
    return current_app.extensions["library.imports"]


def _items(data: dict):
    """The rows the body names: a CSV body through the Goodreads reader, a JSON one from its list."""
    if request.mimetype == "text/csv":
        return goodreads.read_csv(goodreads.decode_csv(request.get_data()))
    if request.content_length and not request.is_json:
        raise UnsupportedMediaType("Send a JSON body ({\"isbns\": [...]}) or a CSV one (Content-Type: text/csv)")
    if "isbns" not in data:
        raise Unprocessable("VALIDATION_ERROR", "The request did not validate",
                            isbns=["Missing data for required field."])
    return service.items_from_isbns(data["isbns"])


@bp.route("/imports", methods=["POST"])
@catalog_writer
@bp.arguments(ImportIn, required=False)
@bp.doc(requestBody=CSV_BODY)
@bp.response(202, ImportOut, headers=header_refs("Location"))
def start_import(data):
    """Start importing many ISBNs (a JSON list, or a CSV of ISBNs or a Goodreads export)."""
    job = service.start_import(uow(), actor=current_actor(), items=_items(data), now=utcnow())
    _runner().submit(job.id)
    return job, {"Location": url_for("imports.get_import", job_id=job.id)}


@bp.route("/imports/<id:job_id>", methods=["GET"])
@bp.doc(security=[BEARER, OAUTH2, {}])  # a token, except for a job started without one (open mode)
@bp.arguments(PageArgs, location="query")
@bp.response(200, ImportProgressOut, headers=header_refs("Link", "X-Total-Count"))
@bp.errors(401)
def get_import(args, job_id):
    """Show an import's progress and one page of its rows' outcomes."""
    job, rows = service.get_import(uow(), actor=current_actor(), mode=_mode(), job_id=job_id, page=args["page"],
                                   per_page=args["per_page"])
    return {**vars(job), "rows": rows.items}, page_headers(rows.total, args["page"], args["per_page"])


@bp.route("/imports/<id:job_id>/retry", methods=["POST"])
@catalog_writer
@bp.response(202, ImportOut, headers=header_refs("Location"))
@bp.errors(409)
def retry_import(job_id):
    """Run an import's failed rows again (409 while it is running)."""
    job, queued = service.retry_import(uow(), actor=current_actor(), mode=_mode(), job_id=job_id)
    if queued:
        _runner().submit(job.id)
    return job, {"Location": url_for("imports.get_import", job_id=job.id)}
