"""The OpenAPI 3.1 document of the API, served at ``/openapi.json``.

The query options are generated from :class:`QueryConfig`'s fields (their annotations
and defaults), so a new rule of the library is documented here without an edit.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from typing import Any

from recommender.query.config import QueryConfig
from recommender.serve.options import LIST_FIELDS
from recommender.version import package_version

__all__ = ["openapi_document"]

_ERROR = {"description": "an error", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _schema(name: str, annotation: Any) -> dict[str, Any]:
    if name in LIST_FIELDS:
        return {"type": "array", "items": {"type": "string"}}
    if name == "section_half_life_days":
        return {"type": "string", "examples": ["Sport=7,Culture=365"]}
    text = str(annotation)
    for word, schema in (("bool", {"type": "boolean"}), ("float", {"type": "number"}),
                         ("date", {"type": "string", "format": "date"}),
                         ("str", {"type": "string"})):
        if word in text:
            return schema
    return {"type": "string"}  # pragma: no cover - every field is one of the above


def _query_parameters() -> list[dict[str, Any]]:
    hints = typing.get_type_hints(QueryConfig)
    default = QueryConfig().to_dict()
    parameters: list[dict[str, Any]] = [{
        "name": "k", "in": "query", "required": False,
        "description": "Items per box (capped by the server's --max-k).",
        "schema": {"type": "integer", "minimum": 1, "default": 5}}]
    for field in dataclasses.fields(QueryConfig):
        schema = _schema(field.name, hints[field.name])
        if default[field.name] not in (None, [], {}):
            schema = {**schema, "default": default[field.name]}
        parameters.append({
            "name": field.name, "in": "query", "required": False, "schema": schema,
            "explode": True,
            "description": f"QueryConfig.{field.name} (over the index's stored default; "
                           "see the README's editor boxes section)"})
    return parameters


def _json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"required": True, "description": description,
            "content": {"application/json": {"schema": schema}}}


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (computed once)."""
    options = _query_parameters()
    box = {"200": {"description": "the box", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Box"}}}},
        "413": _ERROR, "422": _ERROR, "503": _ERROR}
    draft = {"type": "object", "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "body": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "published": {"type": ["string", "null"], "format": "date"},
        "section": {"type": ["string", "null"]}, "language": {"type": ["string", "null"]},
        "related": {"type": "array", "items": {"type": "string"}}}}
    item = {"type": "object", "required": ["id", "score", "reason"], "properties": {
        "id": {"type": "string"}, "score": {"type": "number"}, "title": {"type": "string"},
        "similarity": {"type": ["number", "null"]},
        "reason": {"enum": ["curated", "similar", "fallback"]},
        "explanation": {"type": "object"}}}
    simple = {"200": {"description": "OK", "content": {"application/json": {}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "recommender", "version": package_version(),
                 "description": "Related stories of a site's articles, and of drafts."},
        "paths": {
            "/related/{id}": {"get": {
                "summary": "The related box of an indexed article",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "string"}}, *options],
                "responses": {**box, "404": _ERROR}}},
            "/similar": {"post": {
                "summary": "The box of a draft (not indexed): its fields as JSON",
                "parameters": options,
                "requestBody": _json_body(draft, "the draft, as `recommender similar` "
                                                 "reads it"),
                "responses": box}},
            "/related:batch": {"post": {
                "summary": "The boxes of many articles in one call (static-site builds)",
                "parameters": options,
                "requestBody": _json_body({"type": "object", "required": ["ids"],
                                           "properties": {"ids": {"type": "array",
                                                          "items": {"type": "string"}}}},
                                          "the ids (capped by --max-batch)"),
                "responses": {"200": {"description": "boxes by id, and the unknown ids",
                                      "content": {"application/json": {}}},
                              "413": _ERROR, "422": _ERROR, "503": _ERROR}}},
            "/search": {"get": {
                "summary": "Articles whose title holds every word of q (the preview page)",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}},
                               {"name": "limit", "in": "query",
                                "schema": {"type": "integer", "default": 10,
                                           "maximum": 50}}],
                "responses": {**simple, "422": _ERROR}}},
            "/info": {"get": {"summary": "The index's counts, config and version",
                              "responses": {**simple, "503": _ERROR}}},
            "/healthz": {"get": {"summary": "200 once the index is loaded and warmed",
                                 "responses": {**simple, "503": _ERROR}}},
            "/admin/reload": {"post": {
                "summary": "Load the index published at the path now",
                "security": [{"adminToken": []}],
                "responses": {**simple, "401": _ERROR, "403": _ERROR}}},
            "/": {"get": {"summary": "The editors' preview page (HTML)",
                          "responses": {"200": {"description": "HTML"}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": simple}},
        },
        "components": {
            "schemas": {
                "Item": item,
                "Box": {"type": "object", "properties": {
                    "id": {"type": "string"}, "title": {"type": "string"},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "source": {"type": "object"}}},
                "Error": {"type": "object", "required": ["error", "status"], "properties": {
                    "error": {"type": "string"}, "status": {"type": "integer"}}},
            },
            "securitySchemes": {"adminToken": {
                "type": "http", "scheme": "bearer",
                "description": "the server's RECOMMENDER_ADMIN_TOKEN"}},
        },
    }
