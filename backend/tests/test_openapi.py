"""The OpenAPI document declares the error responses every operation can give (app.openapi)."""

from __future__ import annotations

import httpx

ERROR_REF = "#/components/schemas/ErrorResponse"


async def test_every_operation_declares_its_errors_with_the_one_error_body(
    anon_client: httpx.AsyncClient,
) -> None:
    document = (await anon_client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]  # never sent
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    operations = [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) >= 40
    for method, path, operation in operations:
        responses = operation["responses"]
        where = f"{method} {path}"
        for status in ("422", "503"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, where
        assert "Retry-After" in responses["503"]["headers"], where
        if path.startswith("/api/"):
            assert "Retry-After" in responses["429"]["headers"], where
        if "{" in path:
            assert "404" in responses, where
        if "requestBody" in operation:
            assert {"400", "413"} <= set(responses), where
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            assert "409" in responses, where


async def test_authenticated_operations_declare_401_and_403_and_public_ones_do_not(
    anon_client: httpx.AsyncClient,
) -> None:
    paths = (await anon_client.get("/openapi.json")).json()["paths"]
    assert {"401", "403"} <= set(paths["/api/v1/agents"]["get"]["responses"])
    assert {"401", "403"} <= set(paths["/api/v1/workspace/members"]["get"]["responses"])
    assert not {"401", "403", "429"} & set(paths["/health"]["get"]["responses"])
    login = paths["/api/v1/auth/login"]["post"]["responses"]
    assert "401" in login and "403" not in login
