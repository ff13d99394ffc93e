"""The dict store's copies, loans and holds, with index tables standing in for the SQL store's unique
indexes: one barcode per copy, one open loan per copy and per borrower and book, one active hold per
user and book."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from ...domain import Book, Copy, Hold, Loan, LoanQuery, Page
from ...errors import AlreadyHasCopy, BarcodeTaken, HoldExists, NoCopyFree
from ..base import CopyRepository, HoldRepository, LoanRepository
from .books import MemoryBooks
from .tables import Journal, MemoryStore, copy_value


def generated_barcode(copy_id: int) -> str:
    return f"C{copy_id:08d}"


def loan_matches(loan: Loan, query: LoanQuery) -> bool:
    status = "returned" if loan.returned_at else ("overdue" if loan.is_overdue(query.now) else "active")
    return all((
        query.status is None or status == query.status or (query.status == "active" and status == "overdue"),
        query.user_id is None or loan.user_id == query.user_id,
        query.book_id is None or loan.book_id == query.book_id,
    ))


class MemoryCopies(CopyRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def add(self, copy: Copy) -> Copy:
        copy = dataclasses.replace(copy, id=self.store.next_id("copies"))
        copy.barcode = copy.barcode or generated_barcode(copy.id)
        if self.j.get("barcodes", copy.barcode) is not None:
            raise BarcodeTaken(copy.barcode)
        self.j.put("barcodes", copy.barcode, copy.id)
        self.j.put("copies", copy.id, copy)
        return copy_value(copy)

    def add_many(self, copies: list[Copy]) -> None:
        for copy in copies:
            self.add(copy)

    def get(self, copy_id: int) -> Copy | None:
        copy = self.j.get("copies", copy_id)
        return self._with_due([copy])[0] if copy else None

    def get_by_barcode(self, barcode: str) -> Copy | None:
        copy_id = self.j.get("barcodes", barcode)
        return self.get(copy_id) if copy_id is not None else None

    def for_book(self, book_id: int) -> list[Copy]:
        return self._with_due(sorted((copy_value(c) for c in self.j.values("copies") if c.book_id == book_id),
                                     key=lambda c: c.id))

    def set_status(self, copy_id: int, status: str) -> None:
        self.j.put("copies", copy_id, dataclasses.replace(self.j.get("copies", copy_id), status=status))

    def delete(self, copy_id: int) -> None:
        copy = self.j.get("copies", copy_id)
        if copy is not None:
            self.j.pop("barcodes", copy.barcode)
            self.j.pop("copies", copy_id)

    def _with_due(self, copies: list[Copy]) -> list[Copy]:
        for copy in copies:
            loan_id = self.j.get("open_loans_by_copy", copy.id)
            copy.due_at = self.j.get("loans", loan_id).due_at if loan_id is not None else None
        return copies


class MemoryLoans(LoanRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def add(self, loan: Loan) -> Loan:
        if self.j.get("open_loans_by_copy", loan.copy_id) is not None:
            raise NoCopyFree(loan.book_id)
        if self.j.get("open_loans_by_borrower", (loan.user_id, loan.book_id)) is not None:
            raise AlreadyHasCopy(loan.book_id)
        loan = dataclasses.replace(loan, id=self.store.next_id("loans"))
        self.j.put("loans", loan.id, loan)
        self.j.put("open_loans_by_copy", loan.copy_id, loan.id)
        self.j.put("open_loans_by_borrower", (loan.user_id, loan.book_id), loan.id)
        return copy_value(loan)

    def get(self, loan_id: int) -> Loan | None:
        return self.j.get("loans", loan_id)

    def update(self, loan: Loan) -> Loan:
        if loan.returned_at is not None:
            self.j.pop("open_loans_by_copy", loan.copy_id)
            self.j.pop("open_loans_by_borrower", (loan.user_id, loan.book_id))
        self.j.put("loans", loan.id, loan)
        return copy_value(loan)

    def open_for_copy(self, copy_id: int) -> Loan | None:
        loan_id = self.j.get("open_loans_by_copy", copy_id)
        return self.get(loan_id) if loan_id is not None else None

    def open_for(self, user_id: int, book_id: int) -> Loan | None:
        loan_id = self.j.get("open_loans_by_borrower", (user_id, book_id))
        return self.get(loan_id) if loan_id is not None else None

    def open_for_user(self, user_id: int) -> list[Loan]:
        return sorted((copy_value(self.j.get("loans", loan_id))
                       for (owner, _), loan_id in self.store.tables["open_loans_by_borrower"].items()
                       if owner == user_id), key=lambda loan: loan.id)

    def open_with_books(self, user_id: int) -> list[tuple[Loan, Book]]:
        loans = self.open_for_user(user_id)
        return list(zip(loans, MemoryBooks(self.store, self.j).many([loan.book_id for loan in loans])))

    def soonest_due(self, book_id: int) -> Loan | None:
        open_loans = [loan for loan in self.j.values("loans") if loan.book_id == book_id and not loan.returned_at]
        return copy_value(min(open_loans, key=lambda loan: (loan.due_at, loan.id))) if open_loans else None

    def search(self, query: LoanQuery) -> Page:
        found = sorted((loan for loan in self.j.values("loans") if loan_matches(loan, query)),
                       key=lambda loan: loan.id, reverse=True)
        return Page([copy_value(loan) for loan in found[query.offset:query.offset + query.per_page]], len(found))


class MemoryHolds(HoldRepository):
    def __init__(self, store: MemoryStore, journal: Journal) -> None:
        self.store, self.j = store, journal

    def add(self, hold: Hold) -> Hold:
        if self.j.get("active_holds", (hold.user_id, hold.book_id)) is not None:
            raise HoldExists(hold.book_id)
        hold = dataclasses.replace(hold, id=self.store.next_id("holds"))
        self.j.put("holds", hold.id, hold)
        self.j.put("active_holds", (hold.user_id, hold.book_id), hold.id)
        return self._positioned([copy_value(hold)])[0]

    def get(self, hold_id: int) -> Hold | None:
        hold = self.j.get("holds", hold_id)
        return self._positioned([hold])[0] if hold else None

    def update(self, hold: Hold) -> Hold:
        if hold.status not in ("waiting", "ready"):
            self.j.pop("active_holds", (hold.user_id, hold.book_id))
        self.j.put("holds", hold.id, dataclasses.replace(hold, position=None))
        return self._positioned([copy_value(hold)])[0]

    def active_for(self, user_id: int, book_id: int) -> Hold | None:
        hold_id = self.j.get("active_holds", (user_id, book_id))
        return self.get(hold_id) if hold_id is not None else None

    def for_book(self, book_id: int, status: str) -> list[Hold]:
        return self._positioned(sorted((copy_value(h) for h in self.j.values("holds")
                                        if h.book_id == book_id and h.status == status), key=lambda h: h.id))

    def for_user(self, user_id: int, page: int, per_page: int) -> Page:
        mine = sorted((h for h in self.j.values("holds") if h.user_id == user_id), key=lambda h: h.id, reverse=True)
        offset = (page - 1) * per_page
        return Page(self._positioned([copy_value(h) for h in mine[offset:offset + per_page]]), len(mine))

    def books_with_lapsed(self, now: datetime) -> list[int]:
        return sorted({h.book_id for h in self.j.values("holds") if h.status == "ready" and h.ready_until <= now})

    def _positioned(self, holds: list[Hold]) -> list[Hold]:
        """Number each waiting hold by its place among its book's waiting holds."""
        for hold in holds:
            hold.position = None
            if hold.status == "waiting":
                hold.position = sum(1 for other in self.j.values("holds") if other.book_id == hold.book_id
                                    and other.status == "waiting" and other.id <= hold.id)
        return holds
