"""OpenAPI import: a document (JSON or YAML text) -> an integration plan.

loader     text -> JSON-safe mapping (safe YAML, size/depth/alias budgets)
refs       local $ref lookups
schema     OpenAPI schemas -> JSON Schema 2020-12 tool inputs ($defs, 3.0 conversion)
servers    server objects and variables
security   security schemes -> our auth types
operation  one operation -> a tool: input schema + request_spec
plan       the whole document: operations, selection, tools, warnings
worker     runs it all in a process pool under time and memory budgets
"""

from app.integrations.openapi.errors import (
    SpecError,
    SpecTooComplex,
    SpecTooLarge,
    SpecWarning,
)
from app.integrations.openapi.loader import parse_spec_text
from app.integrations.openapi.operation import ToolPlan
from app.integrations.openapi.plan import (
    MAX_TOOLS,
    ImportPlan,
    OperationInfo,
    Selection,
    plan_import,
)
from app.integrations.openapi.servers import ServerInfo, ServerVariable

__all__ = [
    "MAX_TOOLS",
    "ImportPlan",
    "OperationInfo",
    "Selection",
    "ServerInfo",
    "ServerVariable",
    "SpecError",
    "SpecTooComplex",
    "SpecTooLarge",
    "SpecWarning",
    "ToolPlan",
    "parse_spec_text",
    "plan_import",
]
