"""Property-based run of the OpenAPI spec against the app (schemathesis): no generated input makes the server
fail with a 5xx. Each operation gets a bounded number of examples so the run stays well under a minute."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis")

from sanctuarywatch.api.app import create_app  # noqa: E402

EXAMPLES = 30


def test_no_operation_returns_a_server_error(full_store):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(full_store))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    failures: list[str] = []
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )  # the same examples every run: a failure is reproducible, never a flake
        def check(case) -> None:
            nonlocal calls
            response = case.call()
            calls += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")

        check()
    print(f"\nschemathesis: {len(operations)} operations, {calls} calls, {len(failures)} server errors")
    assert not failures, failures[:10]
