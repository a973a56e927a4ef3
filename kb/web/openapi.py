"""The OpenAPI 3.1 description of ``/api/*``, served at ``/api/openapi.json``.

Built from a Python dict so the shared parts (a search hit, an error body) are
written once. ``tests/test_openapi.py`` runs schemathesis against the app and
fails when an answer does not match, so this stays honest with the code.
"""

from __future__ import annotations

from typing import Any

from kb.search.facets import FACETS


def _nullable(kind: str) -> dict:
    return {"type": [kind, "null"]}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


STRING_LIST = {"type": "array", "items": {"type": "string"}}

SCHEMAS: dict[str, dict] = {
    "Error": {
        "type": "object",
        "description": "Every 4xx/5xx answer of /api/*.",
        "properties": {
            "error": {"type": "string"},
            "path": {"type": "string", "description": "404: the path that was not found"},
            "detail": {"type": "string", "description": "503: why the index is unavailable"},
        },
        "required": ["error"],
        "additionalProperties": False,
    },
    "Via": _obj(
        {
            "concept": {"type": "string", "description": "the glossary concept's id"},
            "label": {"type": "string", "description": "the concept's label as the document holds it"},
        }
    ),
    "Hit": _obj(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "lang": {"type": "string"},
            "type": {"type": "string"},
            "date": {**_nullable("string"), "description": "ISO date"},
            "url": {"type": "string", "description": "the document page, with the best section's anchor"},
            "snippet": {"type": "string", "description": "HTML: the matching words in <mark>"},
            "score": {"type": "number"},
            "section": {"type": "string"},
            "tags": STRING_LIST,
            "via": {
                "type": "array",
                "items": _ref("Via"),
                "description": "glossary concepts through which the document was found; empty for a direct match",
            },
        }
    ),
    "Facets": {
        "type": "object",
        "description": "facet field -> value -> number of matching documents, most frequent first",
        "propertyNames": {"enum": [f.field for f in FACETS]},
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
    },
    "SearchResult": _obj(
        {
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "took_ms": {"type": "number", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "limit": {"type": "integer"},
            "relaxed": {"type": "boolean", "description": "no document has every word: these have some"},
            "fuzzy": {"type": "boolean", "description": "some words matched near spellings"},
            "suggestion": {**_nullable("string"), "description": "Did you mean ..."},
            "message": {**_nullable("string"), "description": "why nothing was searched, in English"},
            "results": {"type": "array", "items": _ref("Hit")},
            "facets": _ref("Facets"),
        }
    ),
    "Suggestion": _obj(
        {
            "text": {"type": "string"},
            "kind": {"enum": ["term", "document"]},
            "url": {"type": "string", "description": "kind document only"},
        },
        required=["text", "kind"],
    ),
    "Suggestions": _obj({"query": {"type": "string"}, "suggestions": {"type": "array", "items": _ref("Suggestion")}}),
    "Translation": _obj(
        {"id": {"type": "string"}, "lang": {"type": "string"}, "title": {"type": "string"}, "url": {"type": "string"}}
    ),
    "DocumentSummary": _obj(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "lang": {"type": "string"},
            "lang_detected": {"type": "boolean"},
            "type": {"type": "string"},
            "date": _nullable("string"),
            "url": {"type": "string"},
            "translations": {"type": "array", "items": _ref("Translation")},
        }
    ),
    "DocumentList": _obj(
        {
            "total": {"type": "integer", "minimum": 0},
            "documents": {"type": "array", "items": _ref("DocumentSummary")},
        }
    ),
    "Document": _obj(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "lang": {"type": "string"},
            "lang_detected": {"type": "boolean"},
            "lang_probability": _nullable("number"),
            "type": {"type": "string"},
            "date": _nullable("string"),
            "url": {"type": "string"},
            "tags": STRING_LIST,
            "translation_key": _nullable("string"),
            "summary": _nullable("string"),
            "organisation": _nullable("string"),
            "region": _nullable("string"),
            "source": _nullable("string"),
            "attachments": {**STRING_LIST, "description": "file names, served at /doc/<id>/files/<name>"},
            "html": {"type": "string", "description": "the rendered, sanitised body"},
            "warnings": {**STRING_LIST, "description": "indexing warnings as path:line: warning: message"},
            "path": {"type": "string", "description": "the file, relative to the content folder"},
            "translations": {"type": "array", "items": _ref("Translation")},
        }
    ),
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or {}}


def _integer(name: str, description: str, maximum: int | None = None) -> dict:
    schema: dict[str, Any] = {"type": "integer", "minimum": 1}
    if maximum is not None:
        schema["maximum"] = maximum
    return _query(name, description + " (anything else: the default)", schema)


TEXT = {"type": "string"}
#: lang, type, tag, year, organisation, region
FILTERS = [_query(f.arg, f"only documents with this {f.slug}", TEXT) for f in FACETS]
COMMON = {
    "503": _error("no usable index (it is being built, or damaged)"),
    "414": _error("the query string is over 16 KB"),
}


def spec(max_query_chars: int, max_limit: int, max_suggestions: int) -> dict:
    """The whole document, with the limits the API applies (``search.max_query_chars`` among them)."""
    q = _query("q", f"the search text (cut to {max_query_chars} characters)", TEXT)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Methodology Knowledge Base API",
            "version": "1",
            "description": "Search and read the knowledge base's documents. Everything is read-only JSON.",
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search documents: the same search as the results page, one page of hits",
                    "parameters": [
                        q,
                        *FILTERS,
                        _integer("page", "page number, from 1"),
                        _integer("limit", "hits per page", max_limit),
                    ],
                    "responses": {"200": _ok("SearchResult", "the hits and facet counts"), **COMMON},
                }
            },
            "/api/suggest": {
                "get": {
                    "operationId": "suggest",
                    "summary": "Autocomplete: completions of the last word typed, then matching titles",
                    "parameters": [q, _integer("limit", "most suggestions", max_suggestions)],
                    "responses": {"200": _ok("Suggestions", "the suggestions, best first"), **COMMON},
                }
            },
            "/api/documents": {
                "get": {
                    "operationId": "listDocuments",
                    "summary": "Every document, by id, a page at a time",
                    "parameters": [
                        _integer("page", "page number, from 1"),
                        _integer("limit", "documents per page", max_limit),
                    ],
                    "responses": {"200": _ok("DocumentList", "one page of documents"), **COMMON},
                }
            },
            "/api/documents/{doc_id}": {
                "get": {
                    "operationId": "getDocument",
                    "summary": "One document's metadata and rendered HTML",
                    "parameters": [
                        {
                            "name": "doc_id",
                            "in": "path",
                            "required": True,
                            "description": "the document's id: its path in the content folder without .md",
                            "schema": {"type": "string", "minLength": 1},
                        }
                    ],
                    "responses": {
                        "200": _ok("Document", "the document"),
                        "404": _error("no document has this id"),
                        **COMMON,
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
