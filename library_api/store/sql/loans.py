"""SQL copies, loans and holds. The partial unique indexes keep a copy from going out twice, a borrower
from holding two copies of one book and a user from queueing twice, whatever races past the service."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session, aliased

from ...domain import Book, Copy, Hold, Loan, LoanQuery, Page
from ...errors import AlreadyHasCopy, BarcodeTaken, HoldExists, NoCopyFree, NotFound
from ..base import CopyRepository, HoldRepository, LoanRepository
from .books import FIGURED_BOOK_COLUMNS, figured_book
from .common import aware, delete_by_key, explaining_conflicts
from .models import BookRow, CopyRow, HoldRow, LoanRow, UserRow

LOAN_COLUMNS = [f.name for f in dataclasses.fields(Loan) if f.name != "overdue"]
HOLD_COLUMNS = [f.name for f in dataclasses.fields(Hold) if f.name != "position"]
# A user's open loans with their books and the books' figures: one query, built once.
_OPEN_WITH_BOOKS = (select(*(getattr(LoanRow, name) for name in LOAN_COLUMNS), *FIGURED_BOOK_COLUMNS)
                    .join_from(LoanRow, BookRow, BookRow.id == LoanRow.book_id)
                    .where(LoanRow.user_id == bindparam("user_id"), LoanRow.returned_at.is_(None))
                    .order_by(LoanRow.id))


def generated_barcode(copy_id: int) -> str:
    return f"C{copy_id:08d}"


def _to_copy(row: CopyRow, due_at=None) -> Copy:
    return Copy(book_id=row.book_id, barcode=row.barcode, status=row.status, created_at=aware(row.created_at),
                id=row.id, due_at=aware(due_at))


def _to_loan(row: LoanRow) -> Loan:
    return _read_loan({name: getattr(row, name) for name in LOAN_COLUMNS})


def _read_loan(columns: dict) -> Loan:
    loan = Loan(**columns)
    loan.borrowed_at, loan.due_at, loan.returned_at = (aware(loan.borrowed_at), aware(loan.due_at),
                                                       aware(loan.returned_at))
    return loan


def _to_hold(row: HoldRow) -> Hold:
    hold = Hold(**{name: getattr(row, name) for name in HOLD_COLUMNS})
    hold.created_at, hold.ready_until, hold.ended_at = (aware(hold.created_at), aware(hold.ready_until),
                                                        aware(hold.ended_at))
    return hold


def _missing(session: Session, model, key, code: str, message: str) -> NotFound | None:
    """A foreign-key race: what the service checked was deleted before this write."""
    return NotFound(code, message) if session.get(model, key) is None else None


class SqlCopies(CopyRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, copy: Copy) -> Copy:
        # Without a barcode the copy is stored under a unique placeholder, then named after its id.
        row = CopyRow(book_id=copy.book_id, barcode=copy.barcode or f"pending-{uuid.uuid4().hex}",
                      status=copy.status, created_at=copy.created_at)

        def explain():
            if copy.barcode and self.session.scalar(select(CopyRow.id).where(CopyRow.barcode == copy.barcode)):
                return BarcodeTaken(copy.barcode)
            return _missing(self.session, BookRow, copy.book_id, "BOOK_NOT_FOUND", "Book not found")
        with explaining_conflicts(self.session, explain):
            self.session.add(row)
            self.session.flush()
            if not copy.barcode:
                row.barcode = generated_barcode(row.id)
        return _to_copy(row)

    def add_many(self, copies: list[Copy]) -> None:
        rows = [CopyRow(book_id=copy.book_id, barcode=f"pending-{uuid.uuid4().hex}", status=copy.status,
                        created_at=copy.created_at) for copy in copies]
        self.session.add_all(rows)
        self.session.flush()  # one multi-row INSERT ... RETURNING id; then the barcodes that name the ids
        for row in rows:
            row.barcode = generated_barcode(row.id)
        self.session.flush()

    def _with_due(self, query) -> list[Copy]:
        due = (select(CopyRow, LoanRow.due_at)
               .outerjoin(LoanRow, (LoanRow.copy_id == CopyRow.id) & LoanRow.returned_at.is_(None)))
        return [_to_copy(row, due_at) for row, due_at in self.session.execute(query(due)).all()]

    def get(self, copy_id: int) -> Copy | None:
        found = self._with_due(lambda q: q.where(CopyRow.id == copy_id))
        return found[0] if found else None

    def get_by_barcode(self, barcode: str) -> Copy | None:
        found = self._with_due(lambda q: q.where(CopyRow.barcode == barcode))
        return found[0] if found else None

    def for_book(self, book_id: int) -> list[Copy]:
        return self._with_due(lambda q: q.where(CopyRow.book_id == book_id).order_by(CopyRow.id))

    def set_status(self, copy_id: int, status: str) -> None:
        self.session.execute(update(CopyRow).where(CopyRow.id == copy_id).values(status=status))

    def delete(self, copy_id: int) -> None:
        delete_by_key(self.session, CopyRow, copy_id)


class SqlLoans(LoanRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, loan: Loan) -> Loan:
        row = LoanRow(**{name: getattr(loan, name) for name in LOAN_COLUMNS if name != "id"})

        def explain():
            if self.open_for_copy(loan.copy_id) is not None:
                return NoCopyFree(loan.book_id)
            if self.open_for(loan.user_id, loan.book_id) is not None:
                return AlreadyHasCopy(loan.book_id)
            return (_missing(self.session, UserRow, loan.user_id, "USER_NOT_FOUND", "User not found")
                    or _missing(self.session, CopyRow, loan.copy_id, "COPY_NOT_FOUND", "Copy not found"))
        with explaining_conflicts(self.session, explain):
            self.session.add(row)
        return _to_loan(row)

    def get(self, loan_id: int) -> Loan | None:
        row = self.session.get(LoanRow, loan_id)
        return _to_loan(row) if row else None

    def update(self, loan: Loan) -> Loan:
        row = self.session.get(LoanRow, loan.id)
        for name in LOAN_COLUMNS:
            setattr(row, name, getattr(loan, name))
        self.session.flush()
        return _to_loan(row)

    def _one(self, *conditions) -> Loan | None:
        row = self.session.scalar(select(LoanRow).where(LoanRow.returned_at.is_(None), *conditions))
        return _to_loan(row) if row else None

    def open_for_copy(self, copy_id: int) -> Loan | None:
        return self._one(LoanRow.copy_id == copy_id)

    def open_for(self, user_id: int, book_id: int) -> Loan | None:
        return self._one(LoanRow.user_id == user_id, LoanRow.book_id == book_id)

    def open_for_user(self, user_id: int) -> list[Loan]:
        rows = self.session.scalars(select(LoanRow).where(LoanRow.user_id == user_id, LoanRow.returned_at.is_(None))
                                    .order_by(LoanRow.id))
        return [_to_loan(row) for row in rows]

    def open_with_books(self, user_id: int) -> list[tuple[Loan, Book]]:
        rows = self.session.connection().execute(_OPEN_WITH_BOOKS, {"user_id": user_id})
        count = len(LOAN_COLUMNS)
        return [(_read_loan(dict(zip(LOAN_COLUMNS, row))), figured_book(row[count:])) for row in rows]

    def soonest_due(self, book_id: int) -> Loan | None:
        row = self.session.scalar(select(LoanRow).where(LoanRow.book_id == book_id, LoanRow.returned_at.is_(None))
                                  .order_by(LoanRow.due_at, LoanRow.id).limit(1))
        return _to_loan(row) if row else None

    def search(self, query: LoanQuery) -> Page:
        conditions = []
        if query.status in ("active", "overdue"):
            conditions.append(LoanRow.returned_at.is_(None))
        if query.status == "overdue":
            conditions.append(LoanRow.due_at < query.now)
        if query.status == "returned":
            conditions.append(LoanRow.returned_at.is_not(None))
        if query.user_id is not None:
            conditions.append(LoanRow.user_id == query.user_id)
        if query.book_id is not None:
            conditions.append(LoanRow.book_id == query.book_id)
        total = self.session.scalar(select(func.count(LoanRow.id)).where(*conditions))
        rows = self.session.scalars(select(LoanRow).where(*conditions).order_by(LoanRow.id.desc())
                                    .offset(query.offset).limit(query.per_page))
        return Page([_to_loan(row) for row in rows], total)


class SqlHolds(HoldRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, hold: Hold) -> Hold:
        row = HoldRow(**{name: getattr(hold, name) for name in HOLD_COLUMNS if name != "id"})

        def explain():
            if self.active_for(hold.user_id, hold.book_id) is not None:
                return HoldExists(hold.book_id)
            return (_missing(self.session, UserRow, hold.user_id, "USER_NOT_FOUND", "User not found")
                    or _missing(self.session, BookRow, hold.book_id, "BOOK_NOT_FOUND", "Book not found"))
        with explaining_conflicts(self.session, explain):
            self.session.add(row)
        return self._positioned([_to_hold(row)])[0]

    def get(self, hold_id: int) -> Hold | None:
        row = self.session.get(HoldRow, hold_id)
        return self._positioned([_to_hold(row)])[0] if row else None

    def update(self, hold: Hold) -> Hold:
        row = self.session.get(HoldRow, hold.id)
        for name in HOLD_COLUMNS:
            setattr(row, name, getattr(hold, name))
        self.session.flush()
        return self._positioned([_to_hold(row)])[0]

    def active_for(self, user_id: int, book_id: int) -> Hold | None:
        row = self.session.scalar(select(HoldRow).where(HoldRow.user_id == user_id, HoldRow.book_id == book_id,
                                                        HoldRow.status.in_(("waiting", "ready"))))
        return self._positioned([_to_hold(row)])[0] if row else None

    def for_book(self, book_id: int, status: str) -> list[Hold]:
        rows = self.session.scalars(select(HoldRow).where(HoldRow.book_id == book_id, HoldRow.status == status)
                                    .order_by(HoldRow.id))
        return self._positioned([_to_hold(row) for row in rows])

    def for_user(self, user_id: int, page: int, per_page: int) -> Page:
        total = self.session.scalar(select(func.count(HoldRow.id)).where(HoldRow.user_id == user_id))
        rows = self.session.scalars(select(HoldRow).where(HoldRow.user_id == user_id).order_by(HoldRow.id.desc())
                                    .offset((page - 1) * per_page).limit(per_page))
        return Page(self._positioned([_to_hold(row) for row in rows]), total)

    def books_with_lapsed(self, now: datetime) -> list[int]:
        return list(self.session.scalars(select(HoldRow.book_id).distinct()
                                         .where(HoldRow.status == "ready", HoldRow.ready_until <= now)
                                         .order_by(HoldRow.book_id)))

    def _positioned(self, holds: list[Hold]) -> list[Hold]:
        """Number each waiting hold by its place among its book's waiting holds, in one query."""
        waiting = [hold.id for hold in holds if hold.status == "waiting"]
        ahead = aliased(HoldRow)
        positions = dict(self.session.execute(
            select(HoldRow.id, func.count(ahead.id))
            .join(ahead, (ahead.book_id == HoldRow.book_id) & (ahead.status == "waiting") & (ahead.id <= HoldRow.id))
            .where(HoldRow.id.in_(waiting)).group_by(HoldRow.id)).all()) if waiting else {}
        for hold in holds:
            hold.position = positions.get(hold.id)
        return holds
