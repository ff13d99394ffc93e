"""The three stores give the same answer to the same requests: a Hypothesis state machine drives one random
sequence of API calls through a memory, an SQLite and a PostgreSQL app side by side and compares every
response (status, the headers that matter, the JSON body with ids and times compared by shape).

`make test` runs a bounded number of examples; DIFFERENTIAL_EXAMPLES=500 (and DIFFERENTIAL_STEPS) runs more.
The examples are derandomized, so a failure reproduces run after run (Hypothesis prints the failing steps);
DIFFERENTIAL_RANDOM=1 explores new ones.
"""
from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, settings as hypothesis_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test

from library_api import create_app
from library_api.extensions import db
from library_api.providers.cache import MemoryLookupCache
from tests.conftest import PASSWORD, _empty_tables

APPS = ("memory", "sqlite", "postgres")
START = datetime(2026, 1, 15, 9, 30, tzinfo=timezone.utc)
EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "35"))
STEPS = int(os.environ.get("DIFFERENTIAL_STEPS", "30"))
RANDOM = os.environ.get("DIFFERENTIAL_RANDOM") == "1"
MISSING_BOOK = 987_654  # an id no app hands out in a test: the same 404 everywhere
SEEN: Counter = Counter()  # (route, status) pairs exercised, printed at the end (pytest -s shows them)

# Small alphabets, so that collisions, case-only differences and ties happen often.
USERNAMES = ["alice", "Alice", "ALICE", "bob", "Bob", "emile", "Émile", "strasse", "Straße", "zoë", "a.b-c_d"]
EMAILS = [None, "alice@example.org", "ALICE@example.org", "émile@example.org", "Émile@example.org",
          "E\u0301mile@example.org", "emile@example.org", "straße@example.de", "STRASSE@example.de",
          "strasse@example.de", "ΖΩΉ@example.gr", "ζωή@example.gr", "not-an-email"]
NAMES = [None, "", "  ", "Ὅμηρος", "  Zoë  ", "Émile Zola"]
TITLES = ["Dune", "dune", "DUNE", "Les Misérables", "LES MISE\u0301RABLES", "Straße", "STRASSE", "ΟΔΥΣΣΕΙΑ",
          "Οδύσσεια", "100% Fiction", "snake_case", "a/b", "  Padded  ", "", "   ", "ﬁsh", "𝔇une", "Äpfel", "Zebra",
          "éclair"]
AUTHORS = ["Frank Herbert", "frank herbert", "Victor Hugo", "Élodie Durand", "E\u0301LODIE DURAND", "Ὅμηρος",
           "Anon", "Müller, Groß", "MÜLLER, GROSS", "", "%", "_"]
GENRES = ["Roman", "roman", "ROMAN", "Fantasy", "Fantasía", "ΜΥΘΟΣ", "μύθος", "Sci-Fi", "", "  ", None]
NEEDLES = ["", " ", "dune", "DUNE", "mise\u0301", "misé", "ss", "ß", "STRASSE", "οδυσσ", "ΟΔΎΣ", "%", "_", "/",
           "herbert", "élodie", "E\u0301LODIE", "groß", "gross", "fi", "a", "zz"]
GENRE_FILTERS = ["", "roman", "ROMAN", "fantasy", "Fantasía", "μύθος", "ΜΥΘΟΣ", "sci-fi", "none"]
YEARS = [None, 1965, 1862, -500, 2100, 0, 1965]
NEW_ISBNS = [None, "9780140328721", "0140328726", "978-0-14-032872-1", "9789999999991", "9780060273224",
         "9781761186769", "123", "9780140328722"]
ISBNS = ["", *NEW_ISBNS]
LOOKUP_ISBNS = ["9780140328721", "0140328726", "9780060273224", "9781943899159", "9781761186769",
                "9784815602666", "9789999999991", "12345"]
SORTS = [None, "title", "-title", "author", "-author", "publication_year", "-publication_year", "created_at",
         "-created_at"]
STATUSES = ["wishlist", "reading", "completed", "COMPLETED", "Reading", "lost"]
RATINGS = [1, 2, 3, 4, 5, None, 0, 6]
REVIEWS = [None, "", "  ", "Très bien", "Ωραίο", "x" * 50]

TIME_KEYS = ("created_at", "updated_at", "date_added", "borrowed_at", "due_at", "returned_at", "ready_until",
             "finished_at")
GENERATED_BARCODE = re.compile(r"C(\d{8})")
KINDS = ("book", "user", "loan", "hold", "copy", "import")
THE_BOOK = "<the book>"  # in a JSON body: the real id, in each app, of the book the call names
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")
COMPARED_HEADERS = ("X-Total-Count", "Link", "Location")

# Who sends a request, and which book it names: mostly the ordinary case, now and then the odd one.
WHO = st.tuples(st.sampled_from(["member"] * 8 + ["anonymous", "revoked"]), st.integers(0, 50))
BOOK = st.tuples(st.sampled_from(["live"] * 8 + ["seen", "missing"]), st.integers(0, 50))


def _kind_of(value: dict) -> str | None:
    if "details_pending" in value:
        return "import"
    if "is_admin" in value and "username" in value:
        return "user"
    if "title" in value and "source" in value:
        return "book"
    if "renewals" in value and "borrowed_at" in value:
        return "loan"
    if "position" in value and "ready_until" in value:
        return "hold"
    if "barcode" in value and "status" in value:
        return "copy"
    return None


class Shapes:
    """One app's ids, numbered by order of first appearance per kind, so apps can be compared by shape."""

    def __init__(self) -> None:
        self.numbers: dict[str, dict[int, int]] = {kind: {} for kind in KINDS}
        self.real: dict[str, list[int]] = {kind: [] for kind in KINDS}

    def number(self, kind: str, real_id: int) -> str:
        numbers = self.numbers[kind]
        if real_id not in numbers:
            numbers[real_id] = len(numbers)
            self.real[kind].append(real_id)
        return f"<{kind} #{numbers[real_id]}>"

    def normalise(self, value, times: list, kind: str | None = None):
        if isinstance(value, list):
            return [self.normalise(item, times) for item in value]
        if not isinstance(value, dict):
            return value
        kind = _kind_of(value) or kind
        out = {}
        for key, item in value.items():
            if key == "id" and kind and isinstance(item, int):
                out[key] = self.number(kind, item)
            elif key in ("book_id", "user_id", "loan_id", "copy_id") and isinstance(item, int):
                out[key] = self.number(key[:-3], item)
            elif key == "barcode" and isinstance(item, str) and GENERATED_BARCODE.fullmatch(item):
                out[key] = f"C{self.number('copy', int(item[1:]))}"
            elif key in TIME_KEYS and isinstance(item, str):
                assert ISO_WITH_OFFSET.match(item), f"{key}={item!r} is not ISO 8601 with an offset"
                assert datetime.fromisoformat(item).tzinfo is not None, item
                times.append(item)
                out[key] = "<time>"
            elif key == "access_token" and isinstance(item, str):
                assert item.count(".") == 2, item
                out[key] = "<token>"
            else:
                out[key] = self.normalise(item, times, kind if key == "error" else None)
        return out

    def location(self, header: str | None) -> str | None:
        if header is None:
            return None
        for prefix, kind in (("books", "book"), ("favorites", "book"), ("my-library", "book"), ("loans", "loan"),
                             ("users", "user"), ("imports", "import")):
            found = re.fullmatch(rf"(.*/{prefix}/)(\d+)(/.*)?", header)
            if found:
                return f"{found[1]}{self.number(kind, int(found[2]))}{found[3] or ''}"
        return header


class Harness:
    """What the machine needs from pytest: the shared settings and clock, and the two SQL apps."""

    settings: dict
    clock: object
    sql_apps: dict


class StoresAgree(RuleBasedStateMachine):
    harness: Harness = None  # set by the test before it runs the machine

    def __init__(self) -> None:
        super().__init__()
        harness = type(self).harness
        self.clock = harness.clock
        self.clock.now = START
        for app in harness.sql_apps.values():
            with app.app_context():
                _empty_tables()
        self.apps = {"memory": create_app(dict(harness.settings)), **harness.sql_apps}
        for app in harness.sql_apps.values():
            # Each example starts with an empty lookup cache, as its new memory app does: a batch lookup
            # (no summary) and a cached single one (with it) would otherwise save different books.
            app.extensions["library.lookup"].cache = MemoryLookupCache()
        self.clients = {name: app.test_client() for name, app in self.apps.items()}
        self.shapes = {name: Shapes() for name in APPS}
        self.accounts: list[dict] = []    # registered: username, email
        self.sessions: list[dict] = []    # signed in: {app: token}
        self.revoked: list[dict] = []     # signed out tokens, still sent now and then
        self.live_books: list[int] = []   # the catalog, by the machine's book numbers
        self.loans: list[dict] = []       # {app: real loan id}, for renewals
        self.holds: list[dict] = []       # {app: real hold id}, for cancelling
        self.log: list[str] = []

    # -- the one way to call the three apps -------------------------------------------------------------

    def call(self, method: str, path: str, *, session: dict | None = None, book: int | None = None,
             query: dict | None = None, ids: dict | None = None, **kwargs) -> tuple[int, dict]:
        """Send one request to each app, compare the answers, and return the shared status and each app's body."""
        answers, bodies = {}, {}
        for name in APPS:
            real_path = path
            if book is not None:
                real_path = path.replace("{book}", str(self._real_book(name, book)))
            if ids is not None:
                real_path = real_path.replace("{id}", str(ids[name]))
            if query:
                real_path += "?" + urlencode(query)
            headers = {"Authorization": f"Bearer {session[name]}"} if session else {}
            sent = dict(kwargs)
            if isinstance(sent.get("json"), dict):
                sent["json"] = {key: self._real_book(name, book) if value == THE_BOOK else value
                                for key, value in sent["json"].items()}
            response = self.clients[name].open(real_path, method=method, headers=headers, **sent)
            bodies[name] = response.get_json(silent=True) if response.data else None
            answers[name] = self._shape(name, response, bodies[name])
        self.log.append(f"{method} {path} book={book} query={query} {kwargs} -> {answers['memory'][0]}")
        first = answers["memory"]
        SEEN[f"{method} {path} -> {first[0]}"] += 1
        for name in APPS[1:]:
            assert answers[name][:3] == first[:3], (
                f"{name} disagrees with memory on {method} {path} (book {book}, query {query}, {kwargs}):\n"
                f"  memory: {first[:3]}\n  {name}: {answers[name][:3]}\n  steps so far:\n    "
                + "\n    ".join(self.log))
            assert answers[name][3] == first[3], (
                f"{name} and memory agree in shape but not in times on {method} {path}: "
                f"{first[3]} != {answers[name][3]}")
        return first[0], bodies

    def _shape(self, name: str, response, body) -> tuple:
        assert response.status_code < 500, (name, response.status_code, response.get_data(as_text=True))
        times: list = []
        shapes = self.shapes[name]
        headers = {key: response.headers.get(key) for key in COMPARED_HEADERS}
        headers["Location"] = shapes.location(headers["Location"])
        return response.status_code, headers, shapes.normalise(body, times), times

    def _real_book(self, name: str, book: int | None) -> int:
        return MISSING_BOOK if book is None else self.shapes[name].real["book"][book]

    def _book(self, pick: tuple[str, int]) -> int | None:
        """Mostly a book in the catalog; now and then any the machine has seen (deleted ones too), or one
        that never existed (None)."""
        kind, index = pick
        seen = self.shapes["memory"].real["book"]
        if kind == "missing" or not seen:
            return None
        if kind == "seen" or not self.live_books:
            return index % len(seen)
        return self.live_books[index % len(self.live_books)]

    def _session(self, pick: tuple[str, int]) -> dict | None:
        """Mostly a signed-in user's tokens; now and then none, or a revoked one."""
        kind, index = pick
        if kind == "revoked" and self.revoked:
            return self.revoked[index % len(self.revoked)]
        if kind == "anonymous" or not self.sessions:
            return None
        return self.sessions[index % len(self.sessions)]

    # -- accounts ---------------------------------------------------------------------------------------

    @initialize(books=st.lists(st.tuples(st.sampled_from(TITLES[:13]), st.sampled_from(AUTHORS[:9]),
                                         st.sampled_from(GENRES), st.sampled_from(YEARS)), min_size=1, max_size=4))
    def first_reader(self, books):
        """Start with one member signed in and a few books, so that every rule has something to act on."""
        self.register("reader", "reader@example.org", None, "/register")
        self.log_in(0, "username")
        assert self.sessions, "the first reader could not sign in"
        for title, author, genre, year in books:
            self.add_book_by_hand(("member", 0), title, author, genre, year, ..., ...)

    @rule(username=st.sampled_from(USERNAMES), email=st.sampled_from(EMAILS), name=st.sampled_from(NAMES),
          route=st.sampled_from(["/register", "/auth/register"]))
    def register(self, username, email, name, route):
        body = {"username": username, "password": PASSWORD}
        if email is not None:
            body["email"] = email
        if name is not None:
            body["name"] = name
        status, _ = self.call("POST", route, json=body)
        if status == 201:
            self.accounts.append({"username": username, "email": email})

    @precondition(lambda self: self.accounts)
    @rule(pick=st.integers(0, 50), how=st.sampled_from(["username", "upper", "lower", "email", "email-upper",
                                                         "email-nfd", "wrong-password"]),
          form=st.booleans())
    def log_in(self, pick, how, form=False):
        account = self.accounts[pick % len(self.accounts)]
        login = {"username": account["username"], "upper": account["username"].upper(),
                 "lower": account["username"].lower(), "wrong-password": account["username"],
                 "email": account["email"], "email-upper": (account["email"] or "").upper() or None,
                 "email-nfd": unicodedata.normalize("NFD", account["email"] or "") or None}[how]
        if login is None:
            return
        password = PASSWORD + "!" if how == "wrong-password" else PASSWORD
        credentials = {"username": login, "password": password}
        if form:  # the OAuth2 password flow
            status, bodies = self.call("POST", "/auth/token", data={**credentials, "grant_type": "password"})
        else:
            status, bodies = self.call("POST", "/login", json=credentials)
        if status == 200:
            self.sessions.append({name: body["access_token"] for name, body in bodies.items()})

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, changes=st.fixed_dictionaries({}, optional={
        "name": st.sampled_from(NAMES), "email": st.sampled_from(EMAILS),
        "password": st.sampled_from([PASSWORD, "another good password"]),
        "current_password": st.sampled_from([PASSWORD, "wrong password!"])}))
    def change_account(self, who, changes):
        self.call("PATCH", "/me", session=self._session(who), json=changes)

    @precondition(lambda self: self.sessions)
    @rule(pick=WHO)
    def who_am_i(self, pick):
        self.call("GET", "/me", session=self._session(pick))

    @precondition(lambda self: self.sessions)
    @rule(pick=st.integers(0, 50))
    def log_out(self, pick):
        session = self.sessions[pick % len(self.sessions)]
        status, _ = self.call("POST", "/logout", session=session)
        if status == 204:
            self.sessions.remove(session)
            self.revoked.insert(0, session)

    # -- the catalog ------------------------------------------------------------------------------------

    @staticmethod
    def _book_body(title, author, genre, year, isbn, summary):
        body = {"title": title, "author": author}
        for key, value in (("genre", genre), ("publication_year", year), ("isbn", isbn), ("summary", summary)):
            if value is not ...:
                body[key] = value
        return body

    @rule(who=WHO, title=st.sampled_from(TITLES), author=st.sampled_from(AUTHORS),
          genre=st.sampled_from([..., *GENRES]), year=st.sampled_from([..., *YEARS]),
          isbn=st.sampled_from([..., ..., *ISBNS]), summary=st.sampled_from([..., None, "", "Ἐν ἀρχῇ"]))
    def add_book_by_hand(self, who, title, author, genre, year, isbn, summary):
        self._added(self.call("POST", "/books", session=self._session(who),
                              json=self._book_body(title, author, genre, year, isbn, summary)))

    def _added(self, answer) -> None:
        status, bodies = answer
        if status == 201:
            self.live_books.append(self.shapes["memory"].numbers["book"][bodies["memory"]["id"]])

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, isbn=st.sampled_from(LOOKUP_ISBNS))
    def add_book_by_isbn(self, who, isbn):
        self._added(self.call("POST", "/books", session=self._session(who), json={"isbn": isbn}))

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, isbns=st.lists(st.sampled_from([*LOOKUP_ISBNS, "", "9780385472579"]), max_size=4))
    def import_isbns(self, who, isbns):
        """An import (run inside the request: IMPORT_RUNNER=sync), then its progress and rows."""
        session = self._session(who)
        status, bodies = self.call("POST", "/imports", session=session, json={"isbns": isbns})
        if status != 202:
            return
        _, read = self.call("GET", "/imports/{id}", session=session, ids={name: body["id"] for name, body in
                                                                           bodies.items()})
        numbers = self.shapes["memory"].numbers["book"]
        self.live_books.extend(numbers[row["book_id"]] for row in read["memory"]["rows"] if row["status"] == "created")

    @rule(pick=BOOK)
    def get_book(self, pick):
        self.call("GET", "/books/{book}", book=self._book(pick))

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK, title=st.sampled_from(TITLES),
          author=st.sampled_from(AUTHORS), genre=st.sampled_from([..., *GENRES]),
          year=st.sampled_from([..., *YEARS]), isbn=st.sampled_from([..., *ISBNS]))
    def replace_book(self, who, pick, title, author, genre, year, isbn):
        self.call("PUT", "/books/{book}", session=self._session(who), book=self._book(pick),
                  json=self._book_body(title, author, genre, year, isbn, ...))

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK,
          changes=st.fixed_dictionaries({}, optional={
              "title": st.sampled_from(TITLES), "author": st.sampled_from([*AUTHORS, None]),
              "genre": st.sampled_from(GENRES), "publicationYear": st.sampled_from(YEARS),
              "isbn": st.sampled_from(ISBNS), "subtitle": st.sampled_from([None, "", "Ἐπίλογος"])}))
    def patch_book(self, who, pick, changes):
        self.call("PATCH", "/books/{book}", session=self._session(who), book=self._book(pick), json=changes)

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK)
    def delete_book(self, who, pick):
        book = self._book(pick)
        status, _ = self.call("DELETE", "/books/{book}", session=self._session(who), book=book)
        if status == 204:
            self.live_books.remove(book)

    @rule(filters=st.fixed_dictionaries({}, optional={
              "author": st.sampled_from(NEEDLES), "title": st.sampled_from(NEEDLES), "q": st.sampled_from(NEEDLES),
              "genre": st.sampled_from(GENRE_FILTERS),
              "isbn": st.sampled_from(["", "9780140328721", "0-14-032872-6", "9789999999991", "bad"]),
              "available": st.sampled_from(["true", "false", "1", "no", "true", "maybe"])}),
          sort=st.sampled_from(SORTS), page=st.sampled_from([None, 1, 2, 1, 2, 3, 0, 10_000_000]),
          per_page=st.sampled_from([None, 1, 2, 3, 5, 1, 2, 3, 501]))
    def list_books(self, filters, sort, page, per_page):
        query = dict(filters)
        for key, value in (("sort", sort), ("page", page), ("per_page", per_page)):
            if value is not None:
                query[key] = value
        self.call("GET", "/books", query=query)

    # -- favorites --------------------------------------------------------------------------------------

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK, method=st.sampled_from(["POST", "DELETE"]))
    def favorite(self, who, pick, method):
        self.call(method, "/favorites/{book}", session=self._session(who), book=self._book(pick))

    @precondition(lambda self: self.sessions)
    @rule(who=WHO)
    def list_favorites(self, who):
        self.call("GET", "/favorites", session=self._session(who))

    # -- shelves and reviews ----------------------------------------------------------------------------

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK, method=st.sampled_from(["POST", "PATCH"]),
          fields=st.fixed_dictionaries({}, optional={
              "status": st.sampled_from(STATUSES), "rating": st.sampled_from(RATINGS),
              "reviewText": st.sampled_from(REVIEWS)}))
    def shelve(self, who, pick, method, fields):
        self.call(method, "/my-library/{book}", session=self._session(who), book=self._book(pick), json=fields)

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK, method=st.sampled_from(["POST", "PATCH"]), rating=st.sampled_from(RATINGS[:6]),
          review=st.sampled_from(REVIEWS), status=st.sampled_from(["completed", "Completed"]))
    def review(self, who, pick, method, rating, review, status):
        """A finished book, rated and reviewed: what reviews and average ratings are made of."""
        self.call(method, "/my-library/{book}", session=self._session(who), book=self._book(pick),
                  json={"status": status, "rating": rating, "review_text": review})

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK)
    def unshelve(self, who, pick):
        self.call("DELETE", "/my-library/{book}", session=self._session(who), book=self._book(pick))

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, status=st.sampled_from([None, *STATUSES, ""]))
    def list_shelf(self, who, status):
        self.call("GET", "/my-library", session=self._session(who),
                  query={"status": status} if status is not None else None)

    @rule(pick=BOOK)
    def reviews(self, pick):
        self.call("GET", "/books/{book}/reviews", book=self._book(pick))

    # -- circulation: members borrow, return and queue for themselves --------------------------------------

    def _remember(self, into: list, status: int, bodies: dict, key: str | None) -> None:
        if status in (200, 201):
            into.append({name: (body[key] if key else body)["id"] for name, body in bodies.items()})

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK, days=st.sampled_from([None, None, 1, 365, 0]))
    def borrow(self, who, pick, days):
        body = {"bookId": THE_BOOK, **({"due_days": days} if days is not None else {})}
        status, bodies = self.call("POST", "/borrow", session=self._session(who), book=self._book(pick), json=body)
        self._remember(self.loans, status, bodies, "loan")

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK)
    def return_book(self, who, pick):
        self.call("POST", "/return", session=self._session(who), book=self._book(pick), json={"bookId": THE_BOOK})

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK)
    def place_hold(self, who, pick):
        status, bodies = self.call("POST", "/holds", session=self._session(who), book=self._book(pick),
                                   json={"bookId": THE_BOOK})
        self._remember(self.holds, status, bodies, None)

    @precondition(lambda self: self.sessions and self.holds)
    @rule(who=WHO, index=st.integers(0, 50))
    def cancel_hold(self, who, index):
        self.call("DELETE", "/holds/{id}", session=self._session(who), ids=self.holds[index % len(self.holds)])

    @precondition(lambda self: self.sessions and self.loans)
    @rule(who=WHO, index=st.integers(0, 50))
    def renew(self, who, index):
        self.call("POST", "/loans/{id}/renew", session=self._session(who), ids=self.loans[index % len(self.loans)])

    @rule(pick=BOOK)
    def list_copies(self, pick):
        self.call("GET", "/books/{book}/copies", book=self._book(pick))

    @precondition(lambda self: self.sessions)
    @rule(who=WHO, pick=BOOK)
    def add_copy(self, who, pick):
        self.call("POST", "/books/{book}/copies", session=self._session(who), book=self._book(pick))

    # -- time -------------------------------------------------------------------------------------------

    @rule(seconds=st.sampled_from([0, 0.25, 1, 1, 30, 3600, 2 * 86400]))
    def tick(self, seconds):
        # 0 keeps created_at tied with the previous write; ties must be broken the same way everywhere.
        self.clock.advance(seconds=seconds)
        self.log.append(f"clock +{seconds}s")


@pytest.fixture
def store():
    """The machine uses all three stores at once: the memory store here, the SQL ones from their URLs."""
    return "memory"


@pytest.fixture
def harness(settings, sqlite_url, postgres_url, clock):
    # An import runs inside its request, so that the next call sees it finished in every app alike.
    settings.update(IMPORT_RUNNER="sync", IMPORT_FILL_DETAILS=False)
    sql_apps = {name: create_app({**settings, "LIBRARY_STORE": "sql", "DATABASE_URL": url})
                for name, url in (("sqlite", sqlite_url), ("postgres", postgres_url))}
    harness = Harness()
    harness.settings, harness.clock, harness.sql_apps = settings, clock, sql_apps
    yield harness
    for app in sql_apps.values():
        with app.app_context():
            _empty_tables()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.xdist_group("differential")
@pytest.mark.timeout(300 + EXAMPLES * STEPS // 20)  # a long run, and Hypothesis' shrinking, need more than 120 s
def test_the_three_stores_answer_alike(harness):
    StoresAgree.harness = harness
    try:
        run_state_machine_as_test(StoresAgree, settings=hypothesis_settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
            derandomize=not RANDOM, database=None, print_blob=True,
            suppress_health_check=list(HealthCheck)))
    finally:
        StoresAgree.harness = None
        print("\n".join(f"{count:6} {call}" for call, count in sorted(SEEN.items())))
