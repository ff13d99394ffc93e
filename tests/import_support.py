"""What the import tests share: polling a job until it is done, and the CSV bodies they send."""
from __future__ import annotations

import time

GOODREADS_HEADER = ("Book Id,Title,Author,Author l-f,Additional Authors,ISBN,ISBN13,My Rating,Average Rating,"
                    "Publisher,Binding,Number of Pages,Year Published,Original Publication Year,Date Read,Date Added,"
                    "Bookshelves,Bookshelves with positions,Exclusive Shelf,My Review,Spoiler,Private Notes,"
                    "Read Count,Owned Copies")


def goodreads_line(title: str, author: str, isbn10: str, isbn13: str, rating: int, shelf: str,
                   review: str = "") -> str:
    """One row of a Goodreads export, its ISBN cells quoted the way Goodreads writes them."""
    return (f'1,{title},{author},"",,"=""{isbn10}""","=""{isbn13}""",{rating},4.05,Puffin,Paperback,96,1988,1970,,'
            f'2024/01/02,{shelf},{shelf} (#1),{shelf},{review},,,1,0')


def wait_for(client, location: str, *, until=lambda job: job["status"] == "finished", timeout: float = 20.0,
             seen: list | None = None, per_page: int = 500, interval: float = 0.02) -> dict:
    """Poll an import until `until` holds (by default: finished), failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location + ("&" if "?" in location else "?") + f"per_page={per_page}")
        assert response.status_code == 200, response.get_json()
        job = response.get_json()
        if seen is not None and (not seen or seen[-1] != job["status"]):
            seen.append(job["status"])
        if until(job):
            return job
        assert time.monotonic() < deadline, f"the import did not get there in {timeout} s: {job}"
        time.sleep(interval)


def by_row(job: dict) -> dict[int, dict]:
    return {row["row"]: row for row in job["rows"]}
