"""Optional LLM enhancement of a custom API tool: each is one stateless model call.

- pre-process: a prompt that turns the agent model's arguments into the request arguments
  (the model answers with one JSON object);
- post-process: a prompt that condenses the API's response for the agent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from app.llm.base import Model, ModelSettings, TextDelta
from app.llm.errors import LLMError
from app.llm.messages import Message, SystemMessage, UserMessage

ModelGetter = Callable[[], Model]
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
POSTPROCESS_INPUT_CHARS = 50_000


class EnhanceError(Exception):
    """The enhancement step failed; the message is safe to show to the agent. `code` is the
    model error's code when the model call failed (e.g. `egress_blocked`)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


async def _complete(get_model: ModelGetter, instructions: str, payload: str) -> str:
    messages: list[Message] = [SystemMessage(content=instructions), UserMessage(content=payload)]
    parts: list[str] = []
    try:
        model = get_model()
        async for event in model.stream(messages, (), ModelSettings(temperature=0)):
            if isinstance(event, TextDelta):
                parts.append(event.text)
    except LLMError as exc:
        # The message names what to fix (a key, a refused base URL) and never holds the key.
        raise EnhanceError(f"model call failed ({exc.code}): {exc.message}", exc.code) from None
    return "".join(parts).strip()


async def preprocess(
    get_model: ModelGetter, prompt: str, arguments: dict[str, Any], input_schema: dict[str, Any]
) -> dict[str, Any]:
    """Rewrite `arguments` with the pre-process prompt; the answer must be a JSON object."""
    instructions = (
        f"{prompt}\n\nAnswer with exactly one JSON object of request arguments matching this "
        f"JSON Schema, and nothing else:\n{json.dumps(input_schema)}"
    )
    answer = await _complete(get_model, instructions, json.dumps(arguments))
    fenced = _FENCE.match(answer)
    try:
        value = json.loads(fenced.group(1) if fenced else answer)
    except ValueError:
        raise EnhanceError("pre-process answer was not JSON") from None
    if not isinstance(value, dict):
        raise EnhanceError("pre-process answer was not a JSON object")
    return value


async def postprocess(get_model: ModelGetter, prompt: str, status_code: int, body: str) -> str:
    """Condense an API response with the post-process prompt."""
    payload = f"HTTP status: {status_code}\n\n{body[:POSTPROCESS_INPUT_CHARS]}"
    answer = await _complete(get_model, prompt, payload)
    if not answer:
        raise EnhanceError("post-process answer was empty")
    return answer
