"""A tiny Open Library stand-in: one recorded edition (Fantastic Mr. Fox) from tests/fixtures/openlibrary,
its work and its author, counting every request it answers."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "openlibrary"
ISBN = "9780140328721"
# As the real site does, /isbn/<isbn>.json answers 302 to the edition's record.
REDIRECTS = {f"/isbn/{ISBN}.json": "/books/OL7353617M.json"}
RECORDS = {
    "/books/OL7353617M.json": "edition_9780140328721.json",
    "/works/OL45804W.json": "work_OL45804W.json",
    "/authors/OL34184A.json": "author_OL34184A.json",
}


class StandIn:
    """Serves on 127.0.0.1 at a free port from a thread; `requests` counts what it answered."""

    def __init__(self) -> None:
        self.requests = 0
        self._lock = threading.Lock()
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                with standin._lock:
                    standin.requests += 1
                if self.path in REDIRECTS:
                    self.send_response(302)
                    self.send_header("Location", REDIRECTS[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                name = RECORDS.get(self.path)
                body = (FIXTURES / name).read_bytes() if name else json.dumps({"error": "notfound"}).encode()
                self.send_response(200 if name else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
