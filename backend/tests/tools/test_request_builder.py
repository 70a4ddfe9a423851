"""Serialising arguments per OpenAPI style/explode (the examples of the OpenAPI spec's
"Style Examples" table), form bodies and the request_spec mapping."""

from __future__ import annotations

from typing import Any

import pytest

from app.tools.request_builder import (
    RequestBuildError,
    build_spec_request,
    form_pairs,
    header_value,
    path_value,
    query_pairs,
)

COLOR = ["blue", "black", "brown"]
POINT = {"R": 100, "G": 200, "B": 150}


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("simple", False, COLOR, "blue,black,brown"),
        ("simple", False, POINT, "R,100,G,200,B,150"),
        ("simple", True, POINT, "R=100,G=200,B=150"),
        ("label", False, COLOR, ".blue,black,brown"),
        ("label", True, COLOR, ".blue.black.brown"),
        ("label", True, POINT, ".R=100.G=200.B=150"),
        ("matrix", False, "blue", ";color=blue"),
        ("matrix", False, COLOR, ";color=blue,black,brown"),
        ("matrix", True, COLOR, ";color=blue;color=black;color=brown"),
        ("matrix", True, POINT, ";R=100;G=200;B=150"),
        ("simple", False, "a/b c", "a%2Fb%20c"),
    ],
)
def test_path_styles(style: str, explode: bool, value: Any, expected: str) -> None:
    assert path_value("color", value, style, explode) == expected


@pytest.mark.parametrize(
    ("style", "explode", "value", "expected"),
    [
        ("form", True, COLOR, ["color=blue", "color=black", "color=brown"]),
        ("form", False, COLOR, ["color=blue,black,brown"]),
        ("form", True, POINT, ["R=100", "G=200", "B=150"]),
        ("form", False, POINT, ["color=R,100,G,200,B,150"]),
        ("spaceDelimited", False, COLOR, ["color=blue%20black%20brown"]),
        ("pipeDelimited", False, COLOR, ["color=blue|black|brown"]),
        ("deepObject", True, POINT, ["color[R]=100", "color[G]=200", "color[B]=150"]),
        ("form", True, "a&b=c", ["color=a%26b%3Dc"]),
        ("form", True, False, ["color=false"]),
    ],
)
def test_query_styles(style: str, explode: bool, value: Any, expected: list[str]) -> None:
    assert query_pairs("color", value, style, explode) == expected


def test_header_values() -> None:
    assert header_value(COLOR, False) == "blue,black,brown"
    assert header_value(POINT, True) == "R=100,G=200,B=150"
    assert header_value(POINT, False) == "R,100,G,200,B,150"


def test_form_bodies_nest_like_stripe_and_repeat_plain_arrays() -> None:
    body = {"a": 1, "tags": ["x", "y"], "meta": {"k": {"deep": True}}, "skip": None}
    assert form_pairs(body, {}) == [
        ("a", "1"),
        ("tags", "x"),
        ("tags", "y"),
        ("meta[k][deep]", "true"),
    ]
    assert form_pairs({"tags": ["x", "y"]}, {"tags": {"style": "deepObject"}}) == [
        ("tags[0]", "x"),
        ("tags[1]", "y"),
    ]
    assert form_pairs({"j": {"a": 1}}, {"j": {"content_type": "application/json"}}) == [
        ("j", '{"a":1}')
    ]
    with pytest.raises(RequestBuildError):
        form_pairs(["not", "an", "object"], {})


def test_a_missing_path_argument_is_an_error_and_unplaced_arguments_go_to_the_query() -> None:
    spec = {
        "parameters": [
            {"name": "id", "in": "path", "arg": "id", "style": "simple", "explode": False}
        ],
        "fixed": [],
        "body": None,
        "server": None,
    }
    with pytest.raises(RequestBuildError, match="missing path parameter 'id'"):
        build_spec_request("https://x.example/v1", "/items/{id}", spec, {}, {})
    built = build_spec_request(
        "https://x.example/v1/", "/items/{id}", spec, {}, {"id": 5, "extra": "y z"}
    )
    assert built.url == "https://x.example/v1/items/5?extra=y%20z"
