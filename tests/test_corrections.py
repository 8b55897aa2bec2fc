"""`sanctuarywatch corrections check FILE`: a malformed file is refused with one error per bad field (row and
field named); the documented example is accepted; accepted corrections load as data with their reason and source."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sanctuarywatch.cli import app
from sanctuarywatch.cli.commands_corrections import store_schema
from sanctuarywatch.sources import policy_register
from sanctuarywatch.sources.corrections import check_file

BAD = Path(__file__).parent / "data" / "bad"
EXAMPLE = policy_register.packaged_path("corrections_example.csv")
# A submitted correction file with one bad value per field. Written at test time: its row 3 cites a search-results
# address on purpose (the check must refuse it as evidence), and no data file in the repository should carry one.
BAD_FIELDS = (
    "target_table,target_key,field,geoid,published_value,corrected_value,reason,source_url,submitted_date\n"
    "policy_instrument,,effective_date,123,2017-09-01,2017-09-01,short,ftp://example.org/x,2025-13-01\n"
    "not_a_table,x,y,48,a,b,The published value is wrong because the statute says otherwise,"
    "https://www.google.com/search?q=sb4,2025-09-01\n"
    "policy_instrument,tx-sb4-2017,no_such_column,48,a,b,The published value is wrong because the statute says "
    "otherwise,https://capitol.texas.gov/,2025-09-01\n"
)


@pytest.fixture
def bad_fields(tmp_path) -> Path:
    path = tmp_path / "corrections_bad_fields.csv"
    path.write_text(BAD_FIELDS, encoding="utf-8")
    return path


def test_the_documented_example_is_accepted():
    rows, errors = check_file(EXAMPLE, schema=store_schema())
    assert (rows, errors) == (1, [])
    result = CliRunner().invoke(app, ["corrections", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "1 correction row(s), every field valid" in result.output


def test_every_bad_field_is_named_with_its_row(bad_fields):
    rows, errors = check_file(bad_fields, schema=store_schema())
    assert rows == 3
    assert [(e.row, e.field) for e in errors] == [
        (2, "target_key"),
        (2, "geoid"),
        (2, "corrected_value"),
        (2, "reason"),
        (2, "source_url"),
        (2, "submitted_date"),
        (3, "target_table"),
        (3, "source_url"),
        (4, "field"),
    ]
    assert "not a column of policy_instrument" in str(errors[-1])


def test_cli_refuses_a_malformed_file_with_field_level_errors(bad_fields):
    result = CliRunner().invoke(app, ["corrections", "check", str(bad_fields)])
    assert result.exit_code == 1
    assert "row 2, field 'submitted_date': not an ISO date" in result.output
    assert "row 3, field 'source_url': a search-result address is not evidence" in result.output
    assert "9 problem(s)" in result.output


def test_wrong_header_names_missing_and_unknown_columns():
    rows, errors = check_file(BAD / "corrections_bad_header.csv")
    assert rows == 0
    assert {(e.field, e.problem.split(";")[0]) for e in errors} >= {
        ("fieldname", "unknown column"),
        ("field", "missing column"),
    }


def test_schema_is_read_from_the_migrations():
    schema = store_schema()
    assert {"policy_instrument", "dispute", "correction", "list_membership", "agreement_287g"} <= set(schema)
    assert {"effective_date", "citation", "second_url"} <= schema["policy_instrument"]


def test_the_accepted_file_is_valid():
    rows, errors = check_file(policy_register.packaged_path("corrections_accepted.csv"), accepted=True)
    assert errors == [] or [e.problem for e in errors] == ["no correction rows under the header"]
