"""Lending: patrons, borrowing, returning and renewing, and who holds what.

Every change to a book's circulation locks the book first (and a borrow locks the borrower before it,
always in that order), so racing requests for one book happen one after another in every store; the
stores' unique indexes are the second line that a copy is never out twice.
"""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from .. import policy
from ..auth.service import register_user
from ..books.service import existing_book
from ..domain import Book, CirculationRules, Copy, Hold, Loan, LoanQuery, Page, User, fold
from ..errors import AlreadyHasCopy, Conflict, NoCopyFree, found
from ..store.base import UnitOfWork
from .queue import record, settle, take_turn


def add_patron(uow: UnitOfWork, *, name: str, email: str | None, now: datetime) -> User:
    """Make a patron without a password (the desk's card). Raises Conflict EMAIL_TAKEN."""
    return register_user(uow, None, username=None, password=None, email=email, name=name, now=now)


def get_user(uow: UnitOfWork, *, user_id: int) -> User:
    """One user. Raises NotFound USER_NOT_FOUND."""
    with uow.reading():
        return existing_user(uow, user_id)


def list_users(uow: UnitOfWork, *, q: str | None, page: int, per_page: int) -> Page:
    """Users by id, those whose name, username or email contains `q` (any letter case)."""
    with uow.reading():
        return uow.users.search(fold(q), page, per_page)


def update_user(uow: UnitOfWork, *, user_id: int, changes: dict) -> User:
    """Change a user's name, email or whether they are active. Raises NotFound, Conflict EMAIL_TAKEN."""
    with uow:
        user = uow.users.update(dataclasses.replace(existing_user(uow, user_id), **changes))
        uow.commit()
    return user


def borrow_book(uow: UnitOfWork, *, actor: User | None, mode: str, user_id: int | None, book_id: int | None,
                barcode: str | None, due_days: int | None, now: datetime, rules: CirculationRules) -> Loan:
    """Lend the copy with this barcode, or any free copy of the book (the one on the hold shelf for this
    borrower first). Raises Unauthorized, Forbidden, NotFound USER/BOOK/COPY_NOT_FOUND, Conflict
    USER_INACTIVE, ALREADY_HAS_COPY, LOAN_LIMIT, ALREADY_BORROWED."""
    borrower_id = policy.borrower_for(actor, user_id, mode)
    with uow:
        uow.users.lock(borrower_id)
        active(existing_user(uow, borrower_id))
        book_id = copy_by_barcode(uow, barcode).book_id if barcode else existing_book(uow, book_id).id
        take_turn(uow, book_id, now=now, rules=rules)
        if uow.loans.open_for(borrower_id, book_id) is not None:
            raise AlreadyHasCopy(book_id)
        if len(uow.loans.open_for_user(borrower_id)) >= rules.max_loans:
            raise Conflict("LOAN_LIMIT", "The borrower has as many loans as allowed", max_loans=rules.max_loans)
        hold = uow.holds.active_for(borrower_id, book_id)
        copy = _copy_to_lend(uow, book_id, barcode, hold)
        loan = uow.loans.add(Loan(user_id=borrower_id, book_id=book_id, copy_id=copy.id, barcode=copy.barcode,
                                  borrowed_at=now, due_at=now + timedelta(days=due_days or rules.loan_days)))
        uow.copies.set_status(copy.id, "on_loan")
        if hold is not None and hold.status == "ready":
            _fulfil(uow, hold, copy, now=now, rules=rules)
        uow.commit()
    record("borrow", at=now, actor_id=actor and actor.id, loan_id=loan.id, user_id=borrower_id, book_id=book_id,
           copy_id=copy.id, due_at=loan.due_at.isoformat())
    return loan.seen_at(now)


def return_book(uow: UnitOfWork, *, actor: User | None, mode: str, user_id: int | None, book_id: int | None,
                barcode: str | None, loan_id: int | None, now: datetime, rules: CirculationRules) -> Loan:
    """Take a copy back; it goes to the first waiting hold or back on the shelf. Raises NotFound,
    Unauthorized, Forbidden, Conflict NOT_BORROWED."""
    with uow:
        if loan_id is not None:
            book_id = _existing_loan(uow, loan_id).book_id
        elif barcode is not None:
            book_id = copy_by_barcode(uow, barcode).book_id
        else:
            user_id = policy.borrower_for(actor, user_id, mode)
            existing_user(uow, user_id)
            existing_book(uow, book_id)
        take_turn(uow, book_id, now=now, rules=rules)
        loan = _open_loan(uow, loan_id=loan_id, barcode=barcode, user_id=user_id, book_id=book_id)
        policy.borrower_for(actor, loan.user_id, mode)
        loan = uow.loans.update(dataclasses.replace(loan, returned_at=now))
        if loan.copy_id is not None:
            uow.copies.set_status(loan.copy_id, "available")
        settle(uow, book_id, now=now, rules=rules)
        uow.commit()
    record("return", at=now, actor_id=actor and actor.id, loan_id=loan.id, user_id=loan.user_id, book_id=book_id,
           copy_id=loan.copy_id)
    return loan.seen_at(now)


def renew_loan(uow: UnitOfWork, *, actor: User | None, loan_id: int, due_days: int | None, now: datetime,
               rules: CirculationRules) -> Loan:
    """Extend a loan to now + LOAN_DAYS (or due_days). Raises NotFound, Unauthorized, Forbidden, Conflict
    RENEWAL_REFUSED (reason RETURNED, RENEWAL_LIMIT or HOLDS_WAITING)."""
    with uow:
        loan = _existing_loan(uow, loan_id)
        policy.ensure_self_or_admin(actor, loan.user_id)
        take_turn(uow, loan.book_id, now=now, rules=rules)
        loan = _existing_loan(uow, loan_id)
        if loan.returned_at is not None:
            raise _refused("RETURNED", "The loan has ended")
        if loan.renewals >= rules.max_renewals:
            raise _refused("RENEWAL_LIMIT", "The loan was renewed as often as allowed")
        if uow.holds.for_book(loan.book_id, "waiting"):
            raise _refused("HOLDS_WAITING", "Others are waiting for this book")
        loan = uow.loans.update(dataclasses.replace(
            loan, due_at=now + timedelta(days=due_days or rules.loan_days), renewals=loan.renewals + 1))
        uow.commit()
    record("renew", at=now, actor_id=actor.id, loan_id=loan.id, user_id=loan.user_id, book_id=loan.book_id,
           due_at=loan.due_at.isoformat(), renewals=loan.renewals)
    return loan.seen_at(now)


def get_loan(uow: UnitOfWork, *, loan_id: int, now: datetime) -> Loan:
    """One loan. Raises NotFound."""
    with uow.reading():
        return _existing_loan(uow, loan_id).seen_at(now)


def borrowed_books(uow: UnitOfWork, *, user_id: int, now: datetime) -> list[tuple[Book, Loan]]:
    """The books the user holds now, each with its loan, oldest loan first. Raises NotFound."""
    with uow.reading():
        existing_user(uow, user_id)
        return [(book, loan.seen_at(now)) for loan, book in uow.loans.open_with_books(user_id)]


def list_loans(uow: UnitOfWork, *, query: LoanQuery) -> Page:
    """Loans newest first, filtered by status (active, overdue, returned), user and book."""
    with uow.reading():
        found = uow.loans.search(query)
    return Page([loan.seen_at(query.now) for loan in found.items], found.total)


def overdue_report(uow: UnitOfWork, *, now: datetime) -> list[tuple[Loan, User, Book]]:
    """Every overdue loan, most overdue first, with its borrower and book."""
    with uow.reading():
        loans = uow.loans.search(LoanQuery(now=now, status="overdue", per_page=10**9)).items
        rows = [(loan.seen_at(now), uow.users.get(loan.user_id), uow.books.get(loan.book_id)) for loan in loans]
    return sorted(rows, key=lambda row: (row[0].due_at, row[0].id))


def existing_user(uow: UnitOfWork, user_id: int) -> User:
    """The user with this id, inside an open unit of work. Raises NotFound USER_NOT_FOUND."""
    return found(uow.users.get(user_id), "USER_NOT_FOUND", "User not found", user_id=user_id)


def active(user: User) -> None:
    """Raises Conflict USER_INACTIVE for a patron who may not borrow or hold."""
    if not user.is_active:
        raise Conflict("USER_INACTIVE", "This patron's account is not active", user_id=user.id)


def copy_by_barcode(uow: UnitOfWork, barcode: str) -> Copy:
    return found(uow.copies.get_by_barcode(barcode), "COPY_NOT_FOUND", "No copy has this barcode", barcode=barcode)


def _existing_loan(uow: UnitOfWork, loan_id: int) -> Loan:
    return found(uow.loans.get(loan_id), "NOT_FOUND", "Loan not found", loan_id=loan_id)


def _copy_to_lend(uow: UnitOfWork, book_id: int, barcode: str | None, hold: Hold | None) -> Copy:
    """The copy asked for, or the free copy to lend: the one waiting for this borrower, else the first."""
    kept_for_borrower = hold.copy_id if hold is not None and hold.status == "ready" else None
    copies = uow.copies.for_book(book_id)
    candidates = [c for c in copies if c.barcode == barcode] if barcode else sorted(
        copies, key=lambda c: (c.id != kept_for_borrower, c.id))
    for copy in candidates:
        if copy.status == "available" or copy.id == kept_for_borrower:
            return copy
    soonest = uow.loans.soonest_due(book_id)
    raise NoCopyFree(book_id, available_copies=sum(c.status == "available" for c in copies),
                     soonest_due_at=soonest.due_at if soonest else None)


def _fulfil(uow: UnitOfWork, hold: Hold, lent: Copy, *, now: datetime, rules: CirculationRules) -> None:
    """The borrower's ready hold is done; a copy it kept but that was not the one lent passes on."""
    uow.holds.update(dataclasses.replace(hold, status="fulfilled", ended_at=now, ready_until=None))
    if hold.copy_id is not None and hold.copy_id != lent.id:
        uow.copies.set_status(hold.copy_id, "available")
        settle(uow, hold.book_id, now=now, rules=rules)
    record("hold_fulfilled", at=now, hold_id=hold.id, user_id=hold.user_id, book_id=hold.book_id)


def _open_loan(uow: UnitOfWork, *, loan_id, barcode, user_id, book_id) -> Loan:
    """The open loan a return names, read after the book is locked. Raises Conflict NOT_BORROWED."""
    if loan_id is not None:
        loan = _existing_loan(uow, loan_id)
        loan = loan if loan.returned_at is None else None
    elif barcode is not None:
        loan = uow.loans.open_for_copy(copy_by_barcode(uow, barcode).id)
    else:
        loan = uow.loans.open_for(user_id, book_id)
    if loan is None:
        raise Conflict("NOT_BORROWED", "That is not on loan", book_id=book_id)
    return loan


def _refused(reason: str, message: str) -> Conflict:
    return Conflict("RENEWAL_REFUSED", message, reason=reason)
