"""/api/openapi.json describes the API honestly: schemathesis generates requests for every documented
operation and checks every answer (no 5xx, documented status, content type and schema).

Positive cases (valid per the document) must pass every check. Negative cases (values outside the
document, e.g. ``limit=abc``) must never be a 5xx or an undocumented shape; the API accepts them on
purpose (a bad page or limit means the default), so "negative data rejected" is not asked of it.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error

from kb.search.results import Via
from kb.web import openapi

EXAMPLES = 60  # per operation and mode: bounded, the suite shares two cores
#: Schemathesis' WSGI transport does not undo Content-Encoding (compression is tested in test_production).
PLAIN = {"Accept-Encoding": "identity"}
#: Cases run per (mode, operation), for the record (printed with -s).
CASES: dict[tuple[str, str], int] = {}


def operations(app) -> list:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def run_operation(operation, mode: GenerationMode, **validate) -> None:
    """Hypothesis drives schemathesis' strategy for one operation (its pytest plugin predates pytest 9)."""
    key = (mode.value, operation.label)
    CASES[key] = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def check(case) -> None:
        CASES[key] += 1
        case.call_and_validate(headers=PLAIN, **validate)

    check()
    print(f"{mode.value} {operation.label}: {CASES[key]} cases")


def test_documented_requests_get_documented_answers(app):
    found = operations(app)
    assert len(found) == 4
    for operation in found:
        run_operation(operation, GenerationMode.POSITIVE)


def test_every_real_document_matches_the_document_schema(app):
    """Generated ids are almost never real ones: every document of the corpus is checked as well."""
    operation = next(op for op in operations(app) if op.label == "GET /api/documents/{doc_id}")
    ids = [d["id"] for d in app.test_client().get("/api/documents?limit=100").json["documents"]]
    assert ids
    for doc_id in ids:
        response = operation.Case(path_parameters={"doc_id": doc_id}).call_and_validate(headers=PLAIN)
        assert response.status_code == 200


def test_undocumented_requests_never_break_the_api(app):
    for operation in operations(app):
        if operation.label == "GET /api/documents/{doc_id}":
            continue  # any non-empty text is a valid id: there is no invalid request to make (404 is tested above)
        run_operation(operation, GenerationMode.NEGATIVE, excluded_checks=[negative_data_rejection])


def test_the_document_covers_every_api_route(app):
    documented = set(app.test_client().get("/api/openapi.json").json["paths"])
    routes = {
        rule.rule.replace("<path:doc_id>", "{doc_id}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint != "api.openapi_json"
    }
    assert routes == documented


def test_via_is_documented_as_the_search_service_writes_it():
    via = openapi.SCHEMAS["Via"]
    assert set(via["required"]) == {"concept", "label"}
    from kb.search.results import Hit

    hit = Hit("a", "A", "hu", "forum", None, "/doc/a", "", 1.0, via=[Via("supported-living", "TL")]).as_json()
    assert set(hit) == set(openapi.SCHEMAS["Hit"]["properties"])
    assert hit["via"] == [{"concept": "supported-living", "label": "TL"}]


def test_errors_match_the_documented_error_body(app, tmp_path):
    from kb.web import create_app

    search = next(op for op in operations(app) if op.label == "GET /api/search")
    unavailable = create_app({"index_dir": tmp_path / "no-index", "testing": True})
    case = search.Case(query={"q": "lakhatás"})
    response = case.call(app=unavailable, headers=PLAIN)
    assert response.status_code == 503
    case.validate_response(response, excluded_checks=[not_a_server_error])  # a documented 503
    answer = app.test_client().post("/api/search")
    assert answer.status_code == 405 and answer.json == {"error": "method not allowed"}
    assert "GET" in answer.headers["Allow"]
