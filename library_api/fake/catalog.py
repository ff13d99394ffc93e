"""Generated catalogs as plain rows (dicts keyed by column name), batch by batch, reproducible from a seed.

Per book: 1–3 copies. Per 100 books: one user. Every 20th book has a copy out on loan (a quarter of those
overdue) and another 20th a returned loan; every 10th is on a user's shelf (the completed ones rated).
Each user thus has about 5 open loans (under MAX_LOANS' default of 10) and 10 shelf entries.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from stdnum import ean

from ..domain import SHELF_STATUSES, fold
from .words import ADJECTIVES, FIRST_NAMES, GENRES, LAST_NAMES, NOUNS, PLACES, PUBLISHERS, REVIEWS

BOOKS_PER_USER = 100
ON_LOAN_EVERY, RETURNED_AT = 20, 13
ON_LOAN_AT = 7
SHELVED_EVERY, SHELVED_AT = 10, 3


@dataclass(frozen=True)
class FirstIds:
    """The ids the generated rows start from: one past each table's largest."""

    book: int = 1
    copy: int = 1
    user: int = 1
    loan: int = 1


def isbn13_for(number: int) -> str:
    """A valid ISBN-13 made of 978, nine digits of `number` and its check digit."""
    body = f"978{number:09d}"
    return body + ean.calc_check_digit(body)


def isbn10_for(isbn13: str) -> str:
    body = isbn13[3:12]
    check = -sum((10 - position) * int(digit) for position, digit in enumerate(body)) % 11
    return body + ("X" if check == 10 else str(check))


def user_count(books: int) -> int:
    return max(1, books // BOOKS_PER_USER)


def _title(rng: random.Random) -> str:
    shape = rng.randrange(5)
    if shape == 0:
        return f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}"
    if shape == 1:
        return f"The {rng.choice(NOUNS)} of {rng.choice(PLACES)}"
    if shape == 2:
        return f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}s"
    if shape == 3:
        return f"A {rng.choice(NOUNS)} for {rng.choice(FIRST_NAMES)}"
    return f"{rng.choice(NOUNS)} and {rng.choice(NOUNS)}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def users(count: int, first: FirstIds, *, rng: random.Random, password_hash: str, now: datetime) -> list[dict]:
    """`count` members named reader<id>, all with the one password whose hash is given."""
    rows = []
    for user_id in range(first.user, first.user + count):
        name, username, email = _person(rng), f"reader{user_id}", f"reader{user_id}@example.org"
        rows.append({"id": user_id, "username": username, "name": name, "email": email,
                     "password_hash": password_hash, "is_admin": False, "is_active": True,
                     "created_at": now - timedelta(days=rng.randrange(1, 3650)),
                     "username_key": fold(username), "email_key": fold(email), "name_key": fold(name),
                     "token_stamp": f"{rng.getrandbits(128):032x}", "kept_token_jti": None})
    return rows


@dataclass
class Batch:
    books: list[dict]
    copies: list[dict]
    loans: list[dict]
    shelf: list[dict]


def batches(count: int, first: FirstIds, *, rng: random.Random, now: datetime,
            batch_size: int = 5000) -> Iterator[Batch]:
    """The rows of `count` books with their copies, loans and shelf entries, `batch_size` books at a time."""
    members = user_count(count)
    copy_id, loan_id = first.copy, first.loan
    # Spread over the past, one second apart in id order, so created_at orders like the ids.
    start = now - timedelta(seconds=count + 60)
    for batch_start in range(0, count, batch_size):
        batch = Batch([], [], [], [])
        for index in range(batch_start, min(count, batch_start + batch_size)):
            book_id = first.book + index
            created = start + timedelta(seconds=index)
            batch.books.append(_book(rng, book_id, created))
            copies = [{"id": copy_id + n, "book_id": book_id, "barcode": f"C{copy_id + n:08d}",
                       "status": "available", "created_at": created} for n in range(rng.randint(1, 3))]
            copy_id += len(copies)
            batch.copies.extend(copies)
            user_id = first.user + (index // ON_LOAN_EVERY) % members
            if index % ON_LOAN_EVERY in (ON_LOAN_AT, RETURNED_AT):
                returned = index % ON_LOAN_EVERY == RETURNED_AT
                batch.loans.append(_loan(rng, loan_id, user_id, copies[0], now, returned=returned))
                loan_id += 1
                if not returned:
                    copies[0]["status"] = "on_loan"
            if index % SHELVED_EVERY == SHELVED_AT:
                batch.shelf.append(_shelf_entry(rng, first.user + (index // SHELVED_EVERY) % members,
                                                book_id, now))
        yield batch


def _book(rng: random.Random, book_id: int, created: datetime) -> dict:
    title, author, genre = _title(rng), _person(rng), rng.choice(GENRES)
    if rng.random() < 0.1:
        author += f", {_person(rng)}"
    isbn = isbn13_for(book_id)
    return {"id": book_id, "isbn": isbn, "isbn10": isbn10_for(isbn), "title": title, "subtitle": None,
            "author": author, "summary": None, "cover_url": None, "publication_year": rng.randint(1850, 2025),
            "genre": genre, "publisher": rng.choice(PUBLISHERS), "page_count": rng.randint(80, 900),
            "source": "manual", "created_at": created, "updated_at": created,
            "title_key": fold(title), "author_key": fold(author), "genre_key": fold(genre)}


def _loan(rng: random.Random, loan_id: int, user_id: int, copy: dict, now: datetime, *, returned: bool) -> dict:
    borrowed = now - timedelta(days=rng.randint(1, 18), minutes=rng.randrange(1440))
    due = borrowed + timedelta(days=14)
    return {"id": loan_id, "user_id": user_id, "book_id": copy["book_id"], "copy_id": copy["id"],
            "barcode": copy["barcode"], "borrowed_at": borrowed, "due_at": due,
            "returned_at": min(now, borrowed + timedelta(days=rng.randint(1, 20))) if returned else None,
            "renewals": 0}


def _shelf_entry(rng: random.Random, user_id: int, book_id: int, now: datetime) -> dict:
    status = rng.choice(SHELF_STATUSES)
    added = now - timedelta(days=rng.randint(1, 365))
    completed = status == "completed"
    return {"user_id": user_id, "book_id": book_id, "status": status,
            "rating": rng.randint(1, 5) if completed else None,
            "review_text": rng.choice(REVIEWS) if completed and rng.random() < 0.5 else None,
            "date_added": added, "updated_at": added}
