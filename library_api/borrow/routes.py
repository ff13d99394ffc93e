"""The circulation desk: patrons, copies, loans, returns, renewals and holds (seed 003 and beyond)."""
from __future__ import annotations

import csv
import dataclasses
import io

from flask import Response, current_app, url_for

from .. import policy
from ..auth.guards import catalog_writer, current_actor
from ..auth.schemas import UserOut
from ..domain import LoanQuery
from ..pagination import page_headers
from ..schemas import PageArgs
from ..web import Blueprint, circulation_rules, utcnow, uow
from . import copies, holds, service
from .schemas import (BorrowedBookOut, BorrowIn, CopyIn, CopyOut, HoldIn, HoldOut, LoanListArgs, LoanMessageOut,
                      LoanOut, PatronIn, RenewIn, ReturnIn, UserListArgs, UserPatch)

bp = Blueprint("borrow", __name__, description="Patrons, copies, loans and holds")


def _mode() -> str:
    return current_app.config["LIBRARY_WRITE_ACCESS"]


def _may_see(user_id: int) -> None:
    policy.ensure_may_see_user(current_actor(), user_id, _mode())


def _desk() -> None:
    policy.ensure_desk(current_actor(), _mode())


@bp.route("/users", methods=["POST"])
@bp.arguments(PatronIn)
@bp.response(201, UserOut)
def add_patron(data):
    """Register a patron at the desk (no password); admins, or anyone in open mode."""
    _desk()
    user = service.add_patron(uow(), name=data["name"], email=data.get("email"), now=utcnow())
    return user, {"Location": url_for("borrow.get_user", user_id=user.id)}


@bp.route("/users", methods=["GET"])
@bp.arguments(UserListArgs, location="query")
@bp.response(200, UserOut(many=True))
def list_users(args):
    """List users, optionally those whose name, username or email contains q."""
    _desk()
    found = service.list_users(uow(), q=args.get("q"), page=args["page"], per_page=args["per_page"])
    return found.items, page_headers(found.total, args["page"], args["per_page"])


@bp.route("/users/<id:user_id>", methods=["GET"])
@bp.response(200, UserOut)
def get_user(user_id):
    """Show a user: yourself, or anyone for admins (and in open mode)."""
    _may_see(user_id)
    return service.get_user(uow(), user_id=user_id)


@bp.route("/users/<id:user_id>", methods=["PATCH"])
@bp.arguments(UserPatch)
@bp.response(200, UserOut)
def update_user(changes, user_id):
    """Change a user's name, email or whether they are active; admins, or anyone in open mode."""
    _desk()
    return service.update_user(uow(), user_id=user_id, changes=changes)


@bp.route("/borrow", methods=["POST"])
@bp.arguments(BorrowIn)
@bp.response(201, LoanMessageOut)
def borrow(data):
    """Lend a book (any free copy) or the copy with a barcode."""
    loan = service.borrow_book(uow(), actor=current_actor(), mode=_mode(), user_id=data.get("user_id"),
                               book_id=data.get("book_id"), barcode=data.get("barcode"),
                               due_days=data.get("due_days"), now=utcnow(), rules=circulation_rules())
    return ({"message": "Book borrowed successfully", "loan": loan},
            {"Location": url_for("borrow.get_loan", loan_id=loan.id)})


@bp.route("/return", methods=["POST"])
@bp.arguments(ReturnIn)
@bp.response(200, LoanMessageOut)
def return_book(data):
    """Take a book back, named by user and book, barcode or loan id."""
    loan = service.return_book(uow(), actor=current_actor(), mode=_mode(), user_id=data.get("user_id"),
                               book_id=data.get("book_id"), barcode=data.get("barcode"), loan_id=data.get("loan_id"),
                               now=utcnow(), rules=circulation_rules())
    return {"message": "Book returned successfully", "loan": loan}


@bp.route("/loans/<id:loan_id>", methods=["GET"])
@bp.response(200, LoanOut)
def get_loan(loan_id):
    """Show a loan: the borrower's own, or any for admins (and in open mode)."""
    loan = service.get_loan(uow(), loan_id=loan_id, now=utcnow())
    _may_see(loan.user_id)
    return loan


@bp.route("/loans/<id:loan_id>/renew", methods=["POST"])
@bp.arguments(RenewIn, required=False)
@bp.response(200, LoanOut)
def renew(data, loan_id):
    """Renew a loan: due LOAN_DAYS (or due_days) from now, unless others wait or it was renewed enough."""
    return service.renew_loan(uow(), actor=current_actor(), loan_id=loan_id, due_days=data.get("due_days"),
                              now=utcnow(), rules=circulation_rules())


@bp.route("/loans", methods=["GET"])
@bp.arguments(LoanListArgs, location="query")
@bp.response(200, LoanOut(many=True))
def list_loans(args):
    """List loans newest first, by status, user and book; admins, or anyone in open mode."""
    _desk()
    query = LoanQuery(now=utcnow(), **args)
    found = service.list_loans(uow(), query=query)
    return found.items, page_headers(found.total, query.page, query.per_page)


OVERDUE_COLUMNS = ["loan_id", "user_id", "name", "email", "book_id", "title", "barcode", "borrowed_at", "due_at",
                   "days_overdue"]


@bp.route("/loans/overdue.csv", methods=["GET"])
@bp.doc(responses={200: {"description": "The overdue report", "content": {"text/csv": {}}}})
def overdue_csv():
    """Download the overdue report as CSV; admins, or anyone in open mode."""
    _desk()
    now = utcnow()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(OVERDUE_COLUMNS)
    for loan, user, book in service.overdue_report(uow(), now=now):
        writer.writerow([loan.id, user.id, user.name, user.email or "", book.id, book.title, loan.barcode,
                         loan.borrowed_at.isoformat(), loan.due_at.isoformat(), (now - loan.due_at).days])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="overdue.csv"'})


@bp.route("/users/<id:user_id>/borrowed", methods=["GET"])
@bp.response(200, BorrowedBookOut(many=True))
def borrowed(user_id):
    """List the books a user holds now, each with its loan."""
    _may_see(user_id)
    pairs = service.borrowed_books(uow(), user_id=user_id, now=utcnow())
    return [{**dataclasses.asdict(book), "available": book.available, "loan_id": loan.id, "copy_id": loan.copy_id,
             "barcode": loan.barcode, "borrowed_at": loan.borrowed_at, "due_at": loan.due_at,
             "overdue": loan.overdue} for book, loan in pairs]


@bp.route("/users/<id:user_id>/loans", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, LoanOut(many=True))
def user_loans(args, user_id):
    """List a user's loans, returned ones included, newest first."""
    _may_see(user_id)
    service.get_user(uow(), user_id=user_id)
    query = LoanQuery(now=utcnow(), user_id=user_id, **args)
    found = service.list_loans(uow(), query=query)
    return found.items, page_headers(found.total, query.page, query.per_page)


@bp.route("/users/<id:user_id>/holds", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, HoldOut(many=True))
def user_holds(args, user_id):
    """List a user's holds, ended ones included, newest first."""
    _may_see(user_id)
    found = holds.user_holds(uow(), user_id=user_id, page=args["page"], per_page=args["per_page"])
    return found.items, page_headers(found.total, args["page"], args["per_page"])


@bp.route("/holds", methods=["POST"])
@bp.arguments(HoldIn)
@bp.response(201, HoldOut)
def place_hold(data):
    """Queue for a book whose copies are all out."""
    return holds.place_hold(uow(), actor=current_actor(), mode=_mode(), user_id=data.get("user_id"),
                            book_id=data["book_id"], now=utcnow(), rules=circulation_rules())


@bp.route("/holds/<id:hold_id>", methods=["DELETE"])
@bp.response(204)
def cancel_hold(hold_id):
    """Give up a hold; a copy it kept passes to the next in line."""
    holds.cancel_hold(uow(), actor=current_actor(), hold_id=hold_id, now=utcnow(), rules=circulation_rules())


@bp.route("/books/<id:book_id>/copies", methods=["GET"])
@bp.response(200, CopyOut(many=True))
def list_copies(book_id):
    """List a book's copies and their status (a copy on loan shows when it is due, never who has it)."""
    return copies.list_copies(uow(), book_id=book_id, now=utcnow(), rules=circulation_rules())


@bp.route("/books/<id:book_id>/copies", methods=["POST"])
@catalog_writer
@bp.arguments(CopyIn, required=False)
@bp.response(201, CopyOut)
def add_copy(data, book_id):
    """Add a copy of a book, with a barcode or a generated one."""
    copy = copies.add_copy(uow(), book_id=book_id, barcode=data.get("barcode"), now=utcnow(),
                           rules=circulation_rules())
    return copy, {"Location": url_for("borrow.list_copies", book_id=book_id)}


@bp.route("/copies/<id:copy_id>", methods=["DELETE"])
@catalog_writer
@bp.response(204)
def withdraw_copy(copy_id):
    """Withdraw a copy that is on the shelf."""
    copies.withdraw_copy(uow(), copy_id=copy_id, now=utcnow(), rules=circulation_rules())
