"""Favorites: each user's own list of books they like."""
from __future__ import annotations

from datetime import datetime

from ..books.service import existing_book
from ..domain import Book
from ..errors import NotFound
from ..store.base import UnitOfWork


def list_favorites(uow: UnitOfWork, *, user_id: int) -> list[Book]:
    """The user's favorite books, oldest favorite first."""
    with uow.reading():
        return uow.favorites.books_for_user(user_id)


def get_favorite(uow: UnitOfWork, *, user_id: int, book_id: int) -> Book:
    """A book among the user's favorites. Raises NotFound if it is not one."""
    with uow.reading():
        if not uow.favorites.has(user_id, book_id):
            raise _not_a_favorite(book_id)
        return existing_book(uow, book_id)


def add_favorite(uow: UnitOfWork, *, user_id: int, book_id: int, now: datetime) -> tuple[Book, bool]:
    """Mark a book as a favorite; the flag says whether it is new. Raises NotFound BOOK_NOT_FOUND."""
    with uow:
        book = existing_book(uow, book_id)
        created = uow.favorites.add(user_id, book_id, now)
        uow.commit()
    return book, created


def remove_favorite(uow: UnitOfWork, *, user_id: int, book_id: int) -> None:
    """Unmark a favorite. Raises NotFound if it was not one."""
    with uow:
        if not uow.favorites.remove(user_id, book_id):
            raise _not_a_favorite(book_id)
        uow.commit()


def _not_a_favorite(book_id: int) -> NotFound:
    return NotFound("NOT_FOUND", "This book is not among your favorites", book_id=book_id)
