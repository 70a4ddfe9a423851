"""The vendor tool adapters as pure functions: what each vendor receives, and the way back.

The fakes' own checks (tests/fakes/*_server.py: the vendors' refusal rules) judge the output,
so an adapter that lets through what the vendor refuses fails here too.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from google.genai import types

from app.llm.base import ToolCall, ToolSpec
from app.llm.errors import TooManyTools
from app.llm.tool_adapters import adapt_tools, for_anthropic, for_google, for_openai
from tests.fakes.anthropic_server import tool_problems as anthropic_problems
from tests.fakes.google_server import schema_problems as gemini_problems
from tests.fakes.openai_server import tool_refusal as openai_refusal

# Gmail's query parameters as imported: `$.xgafv` is refused by Anthropic.
GMAIL = ToolSpec(
    name="gmail_users_messages_list",
    description="List the messages in the user's mailbox.",
    input_schema={
        "type": "object",
        "properties": {
            "$.xgafv": {"type": "string", "enum": ["1", "2"], "description": "V1 error format."},
            "userId": {"type": "string"},
            "labelIds": {"type": "array", "items": {"type": "string"}},
            "filter": {
                "type": "object",
                "properties": {"from address": {"type": "string"}, "size>": {"type": "integer"}},
            },
        },
        "required": ["$.xgafv", "userId"],
    },
)

# JSON Schema 2020-12 as the importer now writes it.
MODERN = ToolSpec(
    name="create_charge",
    description="Create a charge.",
    input_schema={
        "type": "object",
        "properties": {
            "amount": {"type": "integer", "exclusiveMinimum": 0},
            "currency": {"type": ["string", "null"], "format": "iso-4217"},
            "mode": {"const": "live"},
            "priority": {"type": "integer", "enum": [1, 2, 3]},
            "tags": {"type": "array"},
            "customer": {"$ref": "#/$defs/Customer"},
            "source": {"oneOf": [{"type": "string"}, {"$ref": "#/$defs/Card"}]},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "required": ["amount", "customer", "missing_one"],
        "$defs": {
            "Customer": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "pattern": "^(?!admin).*$"},
                    "parent": {"$ref": "#/$defs/Customer"},
                },
            },
            "Card": {
                "allOf": [
                    {"type": "object", "properties": {"number": {"type": "string"}}},
                    {"properties": {"cvc": {"type": "string"}}, "required": ["cvc"]},
                ]
            },
        },
    },
)


def call(name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall(id="call_1", name=name, arguments=arguments)


# -- Anthropic -------------------------------------------------------------------------------


def test_anthropic_gets_property_keys_it_accepts_and_the_tool_gets_the_real_ones() -> None:
    wire = for_anthropic([GMAIL])
    [tool] = wire.tools
    sent = {"name": tool.name, "input_schema": tool.schema}
    assert anthropic_problems([sent]) == []
    properties = tool.schema["properties"] if tool.schema else {}
    assert "$.xgafv" not in properties and "_.xgafv" in properties
    assert tool.schema is not None and tool.schema["required"] == ["_.xgafv", "userId"]
    nested = properties["filter"]["properties"]
    assert set(nested) == {"from_address", "size_"}

    made = call(tool.name, {"_.xgafv": "2", "userId": "me", "filter": {"from_address": "a@b"}})
    restored = wire.restore(made)
    assert restored.arguments == {"$.xgafv": "2", "userId": "me", "filter": {"from address": "a@b"}}
    assert restored.name == GMAIL.name and restored.id == "call_1"
    # The history goes back the way the model made the call.
    assert wire.outgoing(restored.name, restored.arguments) == (tool.name, made.arguments)


def test_anthropic_renames_are_deterministic_unique_and_short() -> None:
    long_key = "x" * 70
    spec = ToolSpec(
        name="t",
        input_schema={
            "type": "object",
            "properties": {
                "a b": {"type": "string"},
                "a_b": {"type": "string"},  # a real key the rename of "a b" must not take
                long_key: {"type": "string"},
            },
        },
    )
    first, second = for_anthropic([spec]), for_anthropic([spec])
    assert first == second
    [tool] = first.tools
    assert anthropic_problems([{"name": "t", "input_schema": tool.schema}]) == []
    assert tool.schema is not None
    wire_keys = list(tool.schema["properties"])
    assert len(set(wire_keys)) == 3 and "a_b" in wire_keys
    assert sorted(tool.keys.values()) == sorted(["a b", long_key])
    arguments = {k: k for k in wire_keys}
    assert set(first.restore(call("t", arguments)).arguments) == {"a b", "a_b", long_key}


def test_anthropic_renames_inside_definitions_and_array_items() -> None:
    spec = ToolSpec(
        name="t",
        input_schema={
            "type": "object",
            "properties": {"rows": {"type": "array", "items": {"$ref": "#/$defs/Row"}}},
            "$defs": {"Row": {"type": "object", "properties": {"@id": {"type": "string"}}}},
        },
    )
    wire = for_anthropic([spec])
    schema = wire.tools[0].schema
    assert schema is not None and schema["$defs"]["Row"]["properties"] == {
        "_id": {"type": "string"}
    }
    restored = wire.restore(call("t", {"rows": [{"_id": "1"}, {"_id": "2"}]}))
    assert restored.arguments == {"rows": [{"@id": "1"}, {"@id": "2"}]}


def test_anthropic_gets_no_combinators_at_the_top() -> None:
    spec = ToolSpec(
        name="t",
        input_schema={
            "type": "object",
            "anyOf": [
                {"properties": {"id": {"type": "string"}}, "required": ["id"]},
                {"properties": {"email": {"type": "string"}}, "required": ["email"]},
            ],
        },
    )
    [tool] = for_anthropic([spec]).tools
    assert anthropic_problems([{"name": "t", "input_schema": tool.schema}]) == []
    assert tool.schema == {
        "type": "object",
        "properties": {"id": {"type": "string"}, "email": {"type": "string"}},
    }


def test_a_tool_name_a_vendor_refuses_is_renamed_and_mapped_back() -> None:
    spec = ToolSpec(name="gmail.users.list", input_schema={"type": "object"})
    other = ToolSpec(name="gmail_users_list", input_schema={"type": "object"})
    wire = for_anthropic([spec, other])
    names = [t.name for t in wire.tools]
    assert names[1] == "gmail_users_list" and names[0] != names[1]
    assert (
        anthropic_problems([{"name": n, "input_schema": {"type": "object"}} for n in names]) == []
    )
    assert wire.restore(call(names[0], {})).name == "gmail.users.list"
    # Gemini takes dots in names: nothing to rename there.
    assert for_google([spec]).tools[0].name == "gmail.users.list"


def test_a_valid_tool_goes_to_every_vendor_unchanged() -> None:
    spec = ToolSpec(
        name="get_weather",
        input_schema={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    for wire in (for_anthropic([spec]), for_openai([spec])):
        [tool] = wire.tools
        assert (tool.name, tool.schema, tool.keys) == ("get_weather", spec.input_schema, {})
    assert for_google([spec]).tools[0].schema == spec.input_schema


def test_the_stored_schema_is_never_modified() -> None:
    before = copy.deepcopy(MODERN.input_schema), copy.deepcopy(GMAIL.input_schema)
    for adapt in (for_anthropic, for_openai, for_google):
        adapt([MODERN, GMAIL])
    assert (MODERN.input_schema, GMAIL.input_schema) == before


# -- OpenAI ----------------------------------------------------------------------------------


def test_openai_gets_items_on_every_array_and_an_object_at_the_top() -> None:
    spec = ToolSpec(
        name="t",
        input_schema={
            "allOf": [{"type": "object", "properties": {"ids": {"type": ["array", "null"]}}}],
            "properties": {
                "matrix": {"type": "array", "items": {"type": "array"}},
                "either": {"anyOf": [{"type": "array"}, {"type": "string"}]},
            },
        },
    )
    assert openai_refusal([{"function": {"name": "t", "parameters": spec.input_schema}}])
    [tool] = for_openai([spec]).tools
    assert openai_refusal([{"function": {"name": "t", "parameters": tool.schema}}]) is None
    assert tool.schema is not None
    properties = tool.schema["properties"]
    assert properties["ids"] == {"type": ["array", "null"], "items": {}}
    assert properties["matrix"]["items"] == {"type": "array", "items": {}}
    assert properties["either"]["anyOf"][0] == {"type": "array", "items": {}}
    # OpenAI takes any property key: nothing renamed there.
    assert "$.xgafv" in (for_openai([GMAIL]).tools[0].schema or {})["properties"]


def test_more_than_128_tools_for_openai_is_a_coded_error_that_says_how_to_choose() -> None:
    tools = [ToolSpec(name=f"op_{i}", input_schema={"type": "object"}) for i in range(129)]
    assert len(for_openai(tools[:128]).tools) == 128
    with pytest.raises(TooManyTools) as refused:
        for_openai(tools)
    assert refused.value.code == "too_many_tools" and not refused.value.retryable
    assert "129" in refused.value.message and "128" in refused.value.message
    assert "Disable 1 or more" in refused.value.message
    assert "import fewer operations" in refused.value.message
    # An OpenAI-compatible server (Ollama, vLLM) sets its own limits.
    assert len(for_openai(tools, compatible=True).tools) == 129


# -- Google ----------------------------------------------------------------------------------


def gemini_schema(spec: ToolSpec) -> dict[str, Any]:
    [tool] = for_google([spec]).tools
    assert tool.schema is not None
    assert gemini_problems(tool.schema, "parameters") == []
    types.Schema.model_validate(tool.schema)  # what the SDK will send
    return tool.schema


def test_gemini_gets_json_schema_2020_12_in_its_subset() -> None:
    assert gemini_problems(MODERN.input_schema, "parameters")  # as stored: refused
    schema = gemini_schema(MODERN)
    properties = schema["properties"]
    assert properties["amount"] == {"type": "integer", "minimum": 0}
    assert properties["currency"] == {
        "type": "string",
        "nullable": True,
        "description": "Format: iso-4217.",
    }
    assert properties["mode"] == {"type": "string", "enum": ["live"]}
    assert properties["priority"] == {"type": "integer", "description": "One of: 1, 2, 3."}
    assert properties["tags"]["type"] == "array" and "items" in properties["tags"]
    assert properties["metadata"] == {"type": "object"}
    assert schema["required"] == ["amount", "customer"]  # only declared properties
    customer = properties["customer"]
    assert customer["properties"]["name"] == {
        "type": "string",
        "description": "Pattern: ^(?!admin).*$",  # RE2 has no lookahead
    }
    # Recursion ends in an open object.
    assert customer["properties"]["parent"] == {
        "type": "object",
        "description": "(recursive, details left out)",
    }
    card = properties["source"]["anyOf"][1]
    assert card["properties"] == {"number": {"type": "string"}, "cvc": {"type": "string"}}
    assert card["required"] == ["cvc"]
    assert "$defs" not in json.dumps(schema) and "$ref" not in json.dumps(schema)


def test_gemini_reports_what_it_cannot_express_exactly() -> None:
    [tool] = for_google([MODERN]).tools
    losses = " | ".join(tool.losses)
    assert "amount: exclusiveMinimum 0 is sent as minimum" in losses
    assert "priority: an enum of non-strings is only described" in losses
    assert "recursive" in losses
    assert "metadata: the schema of additional properties is dropped" in losses
    assert for_google([GMAIL]).tools[0].losses == []


def test_gemini_type_lists_become_nullable_or_any_of() -> None:
    spec = ToolSpec(
        name="t",
        input_schema={
            "type": "object",
            "properties": {
                "a": {"type": ["integer", "null"]},
                "b": {"type": ["string", "integer"], "description": "Id or name"},
                "c": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "d": {"type": "string", "nullable": True, "enum": ["x", None]},
            },
        },
    )
    properties = gemini_schema(spec)["properties"]
    assert properties["a"] == {"type": "integer", "nullable": True}
    assert properties["b"] == {
        "anyOf": [{"type": "string"}, {"type": "integer"}],
        "description": "Id or name",
    }
    assert properties["c"] == {"type": "string", "nullable": True}
    assert properties["d"] == {"type": "string", "enum": ["x"], "nullable": True}


def test_gemini_gets_no_parameters_for_a_tool_without_arguments() -> None:
    spec = ToolSpec(name="now", input_schema={"type": "object", "properties": {}})
    assert for_google([spec]).tools[0].schema is None


def test_a_reference_bomb_stays_small_for_gemini() -> None:
    """20 definitions, each referencing the next twice: 2^20 nodes if inlined blindly."""
    defs = {
        f"D{i}": {
            "type": "object",
            "properties": {"l": {"$ref": f"#/$defs/D{i + 1}"}, "r": {"$ref": f"#/$defs/D{i + 1}"}},
        }
        for i in range(20)
    }
    defs["D20"] = {"type": "string"}
    spec = ToolSpec(
        name="bomb",
        input_schema={
            "type": "object",
            "properties": {"root": {"$ref": "#/$defs/D0"}},
            "$defs": defs,
        },
    )
    schema = gemini_schema(spec)
    assert len(json.dumps(schema)) < 20_000


def test_every_converted_schema_is_valid_for_gemini() -> None:
    """Odd but legal JSON Schema: nothing reaches Gemini that it refuses."""
    odd: list[Any] = [
        True,
        False,
        {},
        {"type": "array", "prefixItems": [{"type": "string"}]},
        {"type": "object", "properties": {}, "required": ["x"]},
        {"enum": [1, "a", None]},
        {"type": "null"},
        {"type": "object", "patternProperties": {"^x": {"type": "string"}}},
        {"not": {"type": "string"}},
        {"type": "string", "format": "date-time", "minLength": 1, "maxLength": 2.5},
        {"type": "number", "exclusiveMaximum": True, "maximum": 3, "format": "decimal"},
        {"$ref": "https://example.com/schema.json"},
        {"$ref": "#/nowhere"},
        {"type": "bigint"},
        {"allOf": [{"$ref": "#/$defs/A"}, {"description": "an A"}]},
        {"oneOf": [{"type": "object", "properties": {"k": {"const": 3}}}]},
    ]
    spec = ToolSpec(
        name="odd",
        input_schema={
            "type": "object",
            "properties": {f"p{i}": sub for i, sub in enumerate(odd)},
            "$defs": {"A": {"type": "object", "properties": {"a": {"type": "boolean"}}}},
        },
    )
    schema = gemini_schema(spec)
    assert schema["properties"]["p14"]["properties"] == {"a": {"type": "boolean"}}


# -- per call --------------------------------------------------------------------------------


async def test_each_tool_set_is_adapted_once_and_remembered_by_content() -> None:
    first = await adapt_tools("anthropic", [GMAIL, MODERN])
    # A later turn builds new ToolSpecs from the same rows: the same adaptation comes back.
    again = await adapt_tools("anthropic", [GMAIL.model_copy(deep=True), MODERN])
    assert again is first and first == for_anthropic([GMAIL, MODERN])
    edited = GMAIL.model_copy(update={"description": "Edited."})
    assert (await adapt_tools("anthropic", [edited, MODERN])) is not first
    assert (await adapt_tools("google", [GMAIL, MODERN])) == for_google([GMAIL, MODERN])
    tools = [ToolSpec(name=f"op_{i}") for i in range(129)]
    with pytest.raises(TooManyTools):
        await adapt_tools("openai", tools)
    assert len((await adapt_tools("openai_compatible", tools)).tools) == 129
