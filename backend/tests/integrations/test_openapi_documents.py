"""Real-world document defects, each with a minimal document: hostile YAML, reference bombs,
YAML dates and integer keys, refs in examples, 3.0 schema syntax, minor errors as warnings."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.integrations.models import Integration, Tool
from app.integrations.openapi import SpecTooComplex, parse_spec_text, plan_import
from app.tools.http import ToolInputError, validate_arguments
from tests.integrations.conftest import assert_error

BILLION_LAUGHS = """openapi: 3.0.0
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

YAML_DATES_AND_INT_KEYS = """
openapi: 3.0.3
info: {title: Dates, version: "1"}
servers: [{url: "https://dates.example"}]
paths:
  /events:
    post:
      operationId: createEvent
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                day: {type: string, format: date, example: 2024-01-31, default: 2024-01-31}
      responses:
        200: {description: ok}
        404: {description: missing}
"""


def url(agent: dict[str, Any]) -> str:
    return f"/api/v1/agents/{agent['id']}/integrations/import-openapi"


def spec_with(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "servers": [{"url": "https://t.example"}],
        "paths": paths,
        **extra,
    }


def body_operation(schema: dict[str, Any], op_id: str = "send") -> dict[str, Any]:
    return {
        "post": {
            "operationId": op_id,
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "responses": {"200": {"description": "ok"}},
        }
    }


async def test_billion_laughs_is_refused_with_a_clear_message(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await client.post(url(agent), json={"spec": BILLION_LAUGHS, "dry_run": True})
    error = assert_error(response, 422, "spec_too_complex")
    assert "aliases count at their full size" in error["message"]


async def test_yaml_nested_1000_deep_is_a_clear_4xx(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    deep = "openapi: 3.0.0\nx:\n" + "".join("  " * (i + 1) + "a:\n" for i in range(1000))
    deep += "  " * 1001 + "b: 1\n"
    response = await client.post(url(agent), json={"spec": deep, "dry_run": True})
    error = assert_error(response, 422, "spec_too_complex")
    assert "nested deeper than" in error["message"]
    flow = '{"openapi": "3.0.0", "x": ' + "[" * 1000 + "]" * 1000 + "}"
    response = await client.post(url(agent), json={"spec": flow, "dry_run": True})
    assert "nested deeper than" in assert_error(response, 422, "spec_too_complex")["message"]


async def test_yaml_dates_stay_strings_and_integer_keys_become_strings(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await client.post(url(agent), json={"spec": YAML_DATES_AND_INT_KEYS})
    assert response.status_code == 201, response.text
    day = response.json()["tools"][0]["input_schema"]["properties"]["body"]["properties"]["day"]
    assert day == {"type": "string", "format": "date", "default": "2024-01-31"}
    async with app.state.sessionmaker() as session:
        stored = (await session.scalars(select(Integration))).one().openapi_spec
    assert stored is not None
    responses = stored["paths"]["/events"]["post"]["responses"]
    assert set(responses) == {"200", "404"}
    schema = stored["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]
    assert schema["schema"]["properties"]["day"]["example"] == "2024-01-31"


def test_yaml_scalars_follow_yaml_12_core() -> None:
    parsed = parse_spec_text("a: yes\nb: true\nc: .nan\nd: 1.5\ne: ~\n200: x\nf: !!binary aGk=\n")
    assert parsed == {
        "a": "yes",
        "b": True,
        "c": ".nan",
        "d": 1.5,
        "e": None,
        "200": "x",
        "f": "aGk=",
    }
    with pytest.raises(SpecTooComplex, match="recursive anchor"):
        parse_spec_text("a: &x [1, *x]\n")


def test_a_reference_bomb_stays_small() -> None:
    schemas: dict[str, Any] = {
        f"S{i}": {
            "type": "object",
            "properties": {
                "left": {"$ref": f"#/components/schemas/S{i + 1}"},
                "right": {"$ref": f"#/components/schemas/S{i + 1}"},
            },
        }
        for i in range(20)
    }
    schemas["S20"] = {"type": "string"}
    spec = spec_with(
        {"/bomb": body_operation({"$ref": "#/components/schemas/S0"})},
        components={"schemas": schemas},
    )
    plan = plan_import(spec)
    schema = plan.tools[0].input_schema
    # Fully inlined it would be 2^20 copies; shared definitions keep it linear.
    assert len(json.dumps(schema)) < 20_000
    assert set(schema["$defs"]) <= {f"S{i}" for i in range(21)}
    bomb = {"body": _nested(20)}
    validate_arguments(schema, bomb)
    with pytest.raises(ToolInputError):
        validate_arguments(schema, {"body": {"left": {"left": 5}}})


def _nested(depth: int) -> Any:
    return "leaf" if depth == 0 else {"left": _nested(depth - 1)}


def test_recursive_schemas_stay_recursive_through_defs() -> None:
    node = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
        },
    }
    spec = spec_with(
        {"/tree": body_operation({"$ref": "#/components/schemas/Node"})},
        components={"schemas": {"Node": node}},
    )
    schema = plan_import(spec).tools[0].input_schema
    assert schema["properties"]["body"] == {"$ref": "#/$defs/Node"}
    assert schema["$defs"]["Node"]["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    validate_arguments(schema, {"body": {"name": "a", "children": [{"name": "b", "children": []}]}})
    with pytest.raises(ToolInputError):
        validate_arguments(schema, {"body": {"children": [{"name": 3}]}})


def test_refs_in_examples_and_response_schemas_are_never_followed() -> None:
    spec = spec_with(
        {
            "/repos": {
                "post": {
                    "operationId": "createRepo",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"type": "object"},
                                "examples": {"default": {"value": {"$ref": "not-a-ref.json"}}},
                                "example": {"$ref": "https://elsewhere.example/x.json"},
                            }
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "https://elsewhere.example/repo.json"}
                                }
                            },
                        }
                    },
                }
            }
        }
    )
    plan = plan_import(spec)
    assert [t.name for t in plan.tools] == ["createRepo"]
    assert not any("$ref" in w.message for w in plan.warnings)


def test_openapi_30_schemas_become_json_schema_2020_12() -> None:
    schema = {
        "type": "object",
        "required": ["id", "amount"],
        "properties": {
            "id": {"type": "string", "readOnly": True},
            "amount": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            "note": {"type": "string", "nullable": True, "xml": {"name": "n"}, "x-internal": 1},
            "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
            "tags": {"type": "array"},
            "pet": {"discriminator": {"propertyName": "k"}, "example": {"k": 1}, "type": "object"},
        },
    }
    plan = plan_import(spec_with({"/pay": body_operation(schema)}))
    body = plan.tools[0].input_schema["properties"]["body"]
    assert body["required"] == ["amount"]  # read-only id is an output, not an input
    assert "id" not in body["properties"]
    assert body["properties"]["amount"] == {"type": "number", "exclusiveMinimum": 0}
    assert body["properties"]["note"] == {"type": ["string", "null"]}
    assert body["properties"]["kind"] == {"type": ["string", "null"], "enum": ["a", "b", None]}
    assert body["properties"]["tags"] == {"type": "array", "items": {}}
    assert body["properties"]["pet"] == {"type": "object"}
    schema_out = plan.tools[0].input_schema
    # Our own argument check accepts what the API accepts...
    validate_arguments(
        schema_out, {"body": {"amount": 1.5, "note": None, "kind": None, "tags": [1]}}
    )
    # ...and refuses what it refuses.
    with pytest.raises(ToolInputError, match=r"exclusive|less than or equal"):
        validate_arguments(schema_out, {"body": {"amount": 0}})


def test_minor_errors_are_warnings_with_their_location() -> None:
    spec = spec_with(
        {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "parameters": [
                        {
                            "name": "limit",
                            "in": "query",
                            "required": "false",
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                },
                "post": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}},
            },
            "/broken": {
                "get": {
                    "parameters": [{"$ref": "#/components/parameters/Missing"}],
                    "responses": {"200": {"description": "ok"}},
                }
            },
        }
    )
    plan = plan_import(spec)
    found = {(w.path, w.message.split(":")[0].split(" (")[0]) for w in plan.warnings}
    assert (
        "/paths/~1pets/get/parameters/0/required",
        "'required' must be true or false, not the string 'false'",
    ) in found
    assert any(
        w.path == "/paths/~1pets/post/operationId"
        and "Duplicate operationId 'listPets'" in w.message
        for w in plan.warnings
    )
    assert any(
        w.path == "/paths/~1broken/get/parameters/0" and "points nowhere" in w.message
        for w in plan.warnings
    )
    assert sorted(t.name for t in plan.tools) == ["listPets", "listPets_2"]
    limit = plan.tools[0].input_schema
    assert "required" not in limit


def test_an_operation_over_the_schema_size_limit_is_left_out_not_the_import() -> None:
    huge = {
        "type": "object",
        "properties": {
            f"field_{i}": {"type": "string", "enum": [f"v{j}" * 3 for j in range(40)]}
            for i in range(300)
        },
    }
    spec = spec_with(
        {
            "/huge": body_operation(huge, "huge"),
            "/small": body_operation({"type": "object"}, "small"),
        }
    )
    plan = plan_import(spec)
    assert [t.name for t in plan.tools] == ["small"]
    assert any("larger than 100,000 characters" in w.message for w in plan.warnings)
    described = {
        "type": "object",
        "properties": {f"f{i}": {"type": "string", "description": "x" * 900} for i in range(150)},
    }
    trimmed = plan_import(spec_with({"/d": body_operation(described, "described")}))
    assert "description" not in json.dumps(trimmed.tools[0].input_schema)
    assert any("descriptions dropped" in w.message for w in trimmed.warnings)


def test_security_schemes_map_to_auth_types_and_the_rest_is_a_warning() -> None:
    spec = spec_with(
        {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}},
        security=[{"cookieKey": []}, {"appKey": [], "appSecret": []}],
        components={
            "securitySchemes": {
                "cookieKey": {"type": "apiKey", "in": "cookie", "name": "sid"},
                "appKey": {"type": "apiKey", "in": "header", "name": "X-App-Key"},
                "appSecret": {"type": "apiKey", "in": "header", "name": "X-App-Secret"},
                "oidc": {"type": "openIdConnect", "openIdConnectUrl": "https://id.example"},
            }
        },
    )
    plan = plan_import(spec)
    assert (plan.auth_type, plan.auth_config) == ("custom_headers", {})
    assert any(
        w.path == "/components/securitySchemes/cookieKey" and "cannot be mapped" in w.message
        for w in plan.warnings
    )
    assert any("X-App-Key, X-App-Secret" in w.message for w in plan.warnings)


async def test_warnings_are_objects_with_a_path_in_the_response(
    client: httpx.AsyncClient, agent: dict[str, Any], app: FastAPI
) -> None:
    spec = spec_with(
        {
            "/pets": {
                "get": {
                    "operationId": "listPets",
                    "parameters": [{"name": "q", "in": "query", "required": "false"}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        }
    )
    response = await client.post(url(agent), json={"spec": json.dumps(spec)})
    assert response.status_code == 201, response.text
    assert {
        "message": "'required' must be true or false, not the string 'false'",
        "path": "/paths/~1pets/get/parameters/0/required",
    } in response.json()["warnings"]
    async with app.state.sessionmaker() as session:
        tool = (await session.scalars(select(Tool))).one()
    assert tool.request_spec is not None
    assert tool.request_spec["parameters"][0]["name"] == "q"


def test_broken_schema_keywords_are_repaired_into_valid_json_schema() -> None:
    broken = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "pattern": "([a-z", "minLength": "3", "maxLength": -1},
            "b": {"allOf": [], "type": ["string", "string", "integer"]},
            "c": {"type": "int", "enum": "x", "multipleOf": 0},
            "d": {"items": [{"type": "string"}], "type": "array"},
            "e": {"required": True, "type": "object", "additionalProperties": "no"},
        },
    }
    plan = plan_import(spec_with({"/b": body_operation(broken)}))
    schema = plan.tools[0].input_schema
    jsonschema.Draft202012Validator.check_schema(schema)
    body = schema["properties"]["body"]["properties"]
    assert body["a"] == {"type": "string", "minLength": 3}
    assert body["b"] == {"type": ["string", "integer"]}
    assert body["d"] == {"type": "array", "prefixItems": [{"type": "string"}]}
    assert any(
        w.path
        == "/paths/~1b/post/requestBody/content/application~1json/schema/properties/a/pattern"
        for w in plan.warnings
    )


def test_a_key_is_preferred_over_a_login_and_relative_token_urls_are_joined() -> None:
    schemes = {
        "basicAuth": {"type": "http", "scheme": "basic"},
        "bearerAuth": {"type": "http", "scheme": "bearer"},
        "oauth": {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {"read": "r"}}},
        },
    }
    paths = {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}
    stripe_like = spec_with(
        paths,
        security=[{"basicAuth": []}, {"bearerAuth": []}],
        components={"securitySchemes": schemes},
    )
    assert plan_import(stripe_like).auth_type == "bearer"
    mastodon_like = spec_with(
        paths, security=[{"oauth": ["read"]}], components={"securitySchemes": schemes}
    )
    plan = plan_import(mastodon_like)
    assert plan.auth_config["token_url"] == "https://t.example/oauth/token"


async def test_without_servers_the_preview_lists_operations_and_the_import_asks_for_base_url(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    spec = {
        **spec_with(
            {"/x": {"get": {"operationId": "x", "responses": {"200": {"description": "ok"}}}}}
        )
    }
    del spec["servers"]
    preview = await client.post(url(agent), json={"spec": json.dumps(spec), "dry_run": True})
    assert preview.status_code == 200, preview.text
    assert {
        "message": "The spec has no servers: give base_url",
        "path": "/servers",
    } in preview.json()["warnings"]
    assert [t["name"] for t in preview.json()["tools"]] == ["x"]
    refused = await client.post(url(agent), json={"spec": json.dumps(spec)})
    error = assert_error(refused, 422, "invalid_spec")
    assert error["message"] == "The spec has no servers: give base_url (at /servers)"
    assert error["details"] == {"path": "/servers"}
    given = await client.post(
        url(agent), json={"spec": json.dumps(spec), "base_url": "https://given.example"}
    )
    assert given.status_code == 201, given.text
