"""Integration and tool wire schemas.

IntegrationCreate / IntegrationUpdate / IntegrationPublic / IntegrationsPublic,
ToolCreate / ToolUpdate / ToolPublic / ToolsPublic, OpenAPIImport / OpenAPIImportPublic,
ToolTestRequest / ToolTestPublic. Secrets are write-only: responses carry masks.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.integrations.auth_types import AuthType
from app.validation import HttpUrl

TOOL_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_SCHEMA_CHARS = 100_000

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ToolName = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=TOOL_NAME_PATTERN, max_length=64)
]
Description = Annotated[str, StringConstraints(max_length=4000)]
Prompt = Annotated[str, StringConstraints(max_length=20_000)]
Timeout = Annotated[float, Field(gt=0, le=300, description="Seconds before the call is abandoned")]


class IntegrationKind(StrEnum):
    custom_api = "custom_api"
    builtin = "builtin"


class BuiltinName(StrEnum):
    calculator = "calculator"
    current_time = "current_time"


def check_input_schema(value: dict[str, Any]) -> dict[str, Any]:
    """The size of a tool's input_schema. Whether it is a valid JSON Schema is CPU work, checked
    off the event loop by the tool service (app.integrations.input_schema)."""
    if len(repr(value)) > MAX_SCHEMA_CHARS:
        raise ValueError(f"input_schema is larger than {MAX_SCHEMA_CHARS} characters")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IntegrationCreate(_Input):
    """A custom API (kind custom_api, the default) or a built-in tool (kind builtin with
    `builtin`: calculator | current_time; it creates that tool)."""

    kind: IntegrationKind = IntegrationKind.custom_api
    builtin: BuiltinName | None = Field(default=None, description="For kind builtin")
    name: Name | None = Field(default=None, description="Defaults to the built-in's name")
    base_url: HttpUrl | None = None
    auth_type: AuthType = AuthType.none
    auth_config: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(
        default_factory=dict, description="Write-only; responses show masks"
    )
    enabled: bool = True

    @model_validator(mode="after")
    def _kind_fields(self) -> IntegrationCreate:
        if self.kind is IntegrationKind.builtin:
            if self.builtin is None:
                raise ValueError("builtin: required for kind builtin (calculator, current_time)")
            if self.base_url or self.auth_type is not AuthType.none or self.secrets:
                raise ValueError("kind builtin takes no base_url, auth or secrets")
        else:
            if self.builtin is not None:
                raise ValueError("builtin: only for kind builtin")
            if self.name is None:
                raise ValueError("name: required")
            if self.base_url is None:
                raise ValueError("base_url: required for kind custom_api")
        return self


class IntegrationUpdate(_Input):
    name: Name | None = None
    base_url: HttpUrl | None = None
    auth_type: AuthType | None = None
    auth_config: dict[str, Any] | None = None
    secrets: dict[str, str | None] | None = Field(
        default=None, description="Fields to set; null removes one; left-out fields are kept"
    )
    enabled: bool | None = None
    confirm_secret_retarget: bool | None = Field(
        default=None,
        description="Send the saved secrets to the new base URL or token URL origin without "
        "entering them again (owner or admin; logged and recorded). Without it, moving an "
        "integration that holds secrets to another origin needs every secret in `secrets`",
    )


class IntegrationPublic(BaseModel):
    id: uuid.UUID
    agent_id: uuid.UUID
    kind: IntegrationKind
    builtin: str | None = None
    name: str
    base_url: str | None
    auth_type: AuthType
    auth_config: dict[str, Any]
    secrets: dict[str, str] = Field(description="Field name -> masked value")
    missing_secrets: list[str] = Field(description="Secrets the auth type needs but not set")
    enabled: bool
    tool_count: int
    has_openapi_spec: bool
    created_at: datetime
    updated_at: datetime


class IntegrationsPublic(BaseModel):
    items: list[IntegrationPublic]
    total: int
    limit: int
    offset: int


class ToolCreate(_Input):
    name: ToolName
    description: Description = ""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] = "GET"
    path: Annotated[str, StringConstraints(min_length=1, max_length=2048)] = "/"
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    timeout_s: Timeout = 30.0
    preprocess: Prompt | None = Field(default=None, description="LLM pre-process prompt")
    postprocess: Prompt | None = Field(default=None, description="LLM post-process prompt")
    enabled: bool = True

    _schema = field_validator("input_schema")(check_input_schema)


class ToolUpdate(_Input):
    name: ToolName | None = None
    description: Description | None = None
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None = None
    path: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = None
    input_schema: dict[str, Any] | None = None
    timeout_s: Timeout | None = None
    preprocess: Prompt | None = None
    postprocess: Prompt | None = None
    enabled: bool | None = None

    @field_validator("input_schema")
    @classmethod
    def _schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else check_input_schema(value)


class ToolPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    integration_id: uuid.UUID
    agent_id: uuid.UUID
    name: str
    description: str
    method: str
    path: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None
    timeout_s: float
    preprocess: str | None
    postprocess: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime


class ToolsPublic(BaseModel):
    items: list[ToolPublic]
    total: int
    limit: int
    offset: int


NamePrefix = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
SelectionList = Annotated[
    list[Annotated[str, StringConstraints(max_length=2048)]], Field(max_length=2000)
]


class OperationSelection(_Input):
    """Which operations to import. An operation is chosen when it matches every non-empty
    list (any entry of a list); left out, every operation is chosen."""

    operations: SelectionList = Field(
        default_factory=list, description='Keys "METHOD /path", e.g. "GET /pets/{petId}"'
    )
    operation_ids: SelectionList = Field(default_factory=list)
    tags: SelectionList = Field(default_factory=list)
    paths: SelectionList = Field(default_factory=list, description="e.g. /pets/{petId}")
    methods: SelectionList = Field(default_factory=list, description="e.g. GET, POST")


class OpenAPIImport(_Input):
    """Give `spec` (JSON or YAML text) or `url` (fetched through the egress guard); both are
    held to OPENAPI_MAX_BYTES."""

    spec: str | None = None
    url: HttpUrl | None = None
    name: Name | None = Field(default=None, description="Defaults to the spec's info.title")
    base_url: HttpUrl | None = Field(
        default=None, description="Overrides the spec's servers (every operation's too)"
    )
    secrets: dict[str, str] = Field(default_factory=dict, description="Write-only")
    dry_run: bool = Field(default=False, description="Preview: return what would be created")
    selection: OperationSelection | None = Field(
        default=None, description="Operations to import; all when left out"
    )
    name_prefix: NamePrefix | None = Field(
        default=None, description="Prepended to every tool name (names stay within 64 chars)"
    )
    server_variables: dict[
        Annotated[str, StringConstraints(max_length=200)],
        Annotated[str, StringConstraints(max_length=2048)],
    ] = Field(default_factory=dict, description="Values for the server URL's {variables}")

    @model_validator(mode="after")
    def _one_source(self) -> OpenAPIImport:
        if (self.spec is None) == (self.url is None):
            raise ValueError("give exactly one of spec or url")
        return self


class ToolPreview(BaseModel):
    id: uuid.UUID | None = Field(default=None, description="Null in a dry run")
    name: str
    description: str
    method: str
    path: str
    input_schema: dict[str, Any]
    timeout_s: float


class IntegrationPreview(BaseModel):
    id: uuid.UUID | None = Field(default=None, description="Null in a dry run")
    name: str
    base_url: str
    auth_type: AuthType
    auth_config: dict[str, Any]
    secrets: dict[str, str]
    missing_secrets: list[str]


class ImportWarning(BaseModel):
    message: str
    path: str | None = Field(
        default=None, description='Where in the document, a JSON pointer ("/paths/~1pets/get")'
    )


class OperationPreview(BaseModel):
    key: str = Field(description='"METHOD /path", the key a selection uses')
    method: str
    path: str
    operation_id: str | None
    tags: list[str]
    summary: str | None
    tool_name: str = Field(description="The tool's name (with the prefix)")
    selected: bool
    deprecated: bool


class ServerVariablePreview(BaseModel):
    default: str
    enum: list[str] | None
    description: str | None


class ServerPreview(BaseModel):
    url: str
    description: str | None
    variables: dict[str, ServerVariablePreview]


class OpenAPIImportPublic(BaseModel):
    dry_run: bool
    integration: IntegrationPreview
    tools: list[ToolPreview] = Field(description="The selected operations' tools")
    warnings: list[ImportWarning]
    operations: list[OperationPreview] = Field(
        description="Every operation in the document, selected or not, even past max_tools"
    )
    total_operations: int
    max_tools: int = Field(description="The most operations one import can take")
    servers: list[ServerPreview]


class ToolTestRequest(_Input):
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolTestPublic(BaseModel):
    ok: bool = Field(description="False when the call failed (HTTP >= 400 or a tool error)")
    status_code: int | None
    headers: dict[str, str]
    body: str = Field(description="Response body, truncated, secrets redacted")
    body_truncated: bool
    content: str = Field(description="What the agent's model would see")
    latency_ms: float
    error: str | None = None
