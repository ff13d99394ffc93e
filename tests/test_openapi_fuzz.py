"""schemathesis against the live app (WSGI, no network): the app keeps every promise of its own /openapi.json.

Every phase schemathesis runs (examples, coverage, fuzzing, stateful) with all its checks; FUZZ_EXAMPLES
examples per operation (default 25; raise it for a longer CI run). Memory store only: the document and the
HTTP layer do not depend on the store, and the stores have their own suite.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

from tests.conftest import sign_in, sign_up

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

CONFIG = {
    "seed": int(os.environ.get("FUZZ_SEED", "20260115")),  # one fixed run; FUZZ_SEED explores others
    "checks": {
        # Valid-looking input the schema cannot refuse may still be refused, for reasons JSON Schema cannot
        # state: an ISBN's check digit (400 INVALID_ISBN), "isbn or title and author", a rating only for a
        # completed book, a NUL byte, a title of blanks (trimmed to nothing), an http(s)-only cover URL.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422",
                                                           "429"]},
        # It counts a resource as deleted only by a DELETE on its own path; here deleting a book also deletes
        # its shelf entries, favorites and copies (ON DELETE CASCADE), so POST /my-library/30, then DELETE
        # /books/30, then GET /my-library/30 is a right 404 that it reports as a resource lost (seen once).
        "ensure_resource_availability": {"enabled": False},
    },
    "generation": {"max-examples": EXAMPLES},
    "cache": {"enabled": False},  # nothing left behind in the work tree; every run starts alike
}


def _fuzz(app, monkeypatch) -> tuple[Counter, list[str]]:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    send = schema.transport.send

    def send_in_process(case, **kwargs):
        # schemathesis hands its ignored_auth probe the socket-level settings too, which Werkzeug's test
        # client refuses (TypeError: max_redirects); they mean nothing in process.
        for name in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(name, None)
        return send(case, **kwargs)

    monkeypatch.setattr(schema.transport, "send", send_in_process)

    @schema.auth(refresh_interval=None)  # a fresh token for every request: a generated logout revokes its own
    class MemberToken:
        def get(self, case, context):
            return sign_in(app.test_client(), "fuzzer")

        def set(self, case, token, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    counts, failures, skipped, check_names = Counter(), [], set(), set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            counts["cases"] += len(event.recorder.cases)
            counts[event.status] += 1
            if event.status == Status.SKIP:
                skipped.add(f"{event.phase.name} {event.label}: {event.skip_reason}")
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    counts["checks"] += 1
                    check_names.add(check.name)
                    if check.failure_info is not None:
                        case = event.recorder.cases[case_id].value
                        failures.append(f"{event.label}: {check.name}: {check.failure_info.failure.title} "
                                        f"({case.method} {case.formatted_path} query={case.query!r:.200} "
                                        f"headers={ {k: v for k, v in (case.headers or {}).items() if k != 'Authorization'}!r:.200} "
                                        f"body={case.body!r:.200})")
        elif isinstance(event, events.NonFatalError):
            failures.append(f"error: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    counts["operations"] = sum(1 for _ in schema.get_all_operations())
    print("skipped:", *sorted(skipped), "checks:", *sorted(check_names), sep="\n  ")
    return counts, failures


@pytest.mark.parametrize("store", ["memory"])
@pytest.mark.timeout(max(400, 12 * EXAMPLES))  # about 45 s at 25 examples idle, minutes on a busy machine
def test_the_app_keeps_its_openapi_promises(app, monkeypatch):
    sign_up(app.test_client(), "fuzzer", email="fuzzer@example.org")
    counts, failures = _fuzz(app, monkeypatch)
    print(f"schemathesis: {dict(counts)}")
    assert counts["cases"] > 0 and counts[Status.SUCCESS] > 0
    assert not failures, "\n".join(dict.fromkeys(failures))
