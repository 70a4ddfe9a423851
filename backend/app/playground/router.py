"""WS /api/v1/playground/{agent_id}: talk to an agent and watch it think and act.

The socket authenticates first (app.auth.ws), then gets `agent_loaded`. Each `user_message`
starts a run (app.runs.runner) whose RunEvents go out as frames the moment they are produced;
frames from the client keep being read meanwhile, so `ping` and `cancel` work mid-run. Every
server frame carries a per-connection increasing `seq` and, once known, the `conversation_id`.
A bad frame gets an `error` frame and the socket stays usable.

Database outages: a frame that needs the database while it is unreachable gets a retryable
`database_unavailable` error and the socket stays open; when the socket cannot even start (its
authentication or agent needs the database) the error frame is followed by a close with code
1013 (RFC 6455 "Try Again Later"), never a dropped connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from fastapi import APIRouter, FastAPI, WebSocket
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app.agents import service as agents
from app.agents.models import Agent
from app.auth.deps import Principal
from app.auth.ws import authenticate_websocket
from app.conversations import service as conversations
from app.database import SERVER_BUSY, is_server_busy
from app.db_errors import DATABASE_UNAVAILABLE, is_database_unavailable
from app.exceptions import AppError, NotFoundError
from app.llm.errors import LLMError
from app.playground.frames import (
    CancelFrame,
    ClientFrame,
    FrameError,
    PingFrame,
    UserMessageFrame,
    parse_frame,
)
from app.runs.events import ConversationStarted, RunEvent
from app.runs.runner import AgentRun, run_agent

logger = logging.getLogger(__name__)
router = APIRouter(tags=["playground"])

WS_AGENT_NOT_FOUND = 4404
WS_TRY_AGAIN_LATER = 1013


def database_unavailable_frame() -> dict[str, Any]:
    return _error("database_unavailable", DATABASE_UNAVAILABLE, retryable=True)


@router.websocket("/api/v1/playground/{agent_id}")
async def playground(websocket: WebSocket, agent_id: str) -> None:
    try:
        principal = await authenticate_websocket(websocket)
        if principal is None:
            return
        await PlaygroundConnection(websocket, principal).serve(agent_id)
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        await _close_unavailable(websocket)


async def _close_unavailable(websocket: WebSocket) -> None:
    """The socket cannot go on without the database: say why, then close properly."""
    if websocket.application_state is not WebSocketState.CONNECTED:
        return
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await websocket.send_text(json.dumps(database_unavailable_frame()))
        await websocket.close(code=WS_TRY_AGAIN_LATER, reason="database unavailable")


class PlaygroundConnection:
    """One socket's state; kept small (the benchmark counts memory per idle socket)."""

    __slots__ = (
        "_app",
        "_principal",
        "_run",
        "_run_task",
        "_send_lock",
        "_seq",
        "_ws",
        "agent_id",
        "conversation_id",
    )

    def __init__(self, websocket: WebSocket, principal: Principal) -> None:
        self._ws = websocket
        self._app: FastAPI = websocket.app
        self._principal = principal
        self._seq = 0
        self._send_lock = asyncio.Lock()
        self._run: AgentRun | None = None
        self._run_task: asyncio.Task[None] | None = None
        self.agent_id: uuid.UUID | None = None
        self.conversation_id: uuid.UUID | None = None

    async def serve(self, raw_agent_id: str) -> None:
        agent = None
        with contextlib.suppress(ValueError):
            agent_id = uuid.UUID(raw_agent_id)
            async with self._app.state.sessionmaker() as session:
                agent = await self._load_agent(session, agent_id)
        if agent is None:
            await self._send(_error("not_found:agent", f"Agent not found: {raw_agent_id[:64]}"))
            await self._ws.close(code=WS_AGENT_NOT_FOUND, reason="agent not found")
            return
        self.agent_id = agent.id
        await self._send({"type": "agent_loaded", "agent_id": str(agent.id)})
        try:
            await self._read_frames()
        except (WebSocketDisconnect, RuntimeError):
            pass  # the client went away mid-send
        finally:
            await self._stop_run()

    async def _read_frames(self) -> None:
        max_bytes = self._app.state.settings.ws_max_frame_bytes
        guard = getattr(self._app.state, "ws_frame_guard", None)
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if guard is not None:
                refused = await guard(self._ws, self._principal)
                if refused is not None:
                    await self._send(dict(refused))
                    continue
            try:
                raw = message.get("text") or message.get("bytes")
                await self._handle(parse_frame(raw, max_bytes=max_bytes))
            except FrameError as exc:
                await self._send(exc.frame())
            except Exception as exc:  # e.g. a cancel frame that had to look up its conversation
                if not is_database_unavailable(exc):
                    raise
                await self._send(database_unavailable_frame())

    async def _handle(self, frame: ClientFrame) -> None:
        if isinstance(frame, PingFrame):
            await self._send({"type": "pong"})
        elif isinstance(frame, CancelFrame):
            await self._cancel(frame.conversation_id)
        elif isinstance(frame, UserMessageFrame):
            await self._start_run(frame)

    # -- runs ---------------------------------------------------------------------------------

    async def _start_run(self, frame: UserMessageFrame) -> None:
        if self._run_task is not None and not self._run_task.done():
            raise FrameError(
                "run_in_progress",
                "The agent is still answering; wait or send a cancel first",
                retryable=True,
            )
        state = self._app.state
        assert self.agent_id is not None
        try:
            async with state.sessionmaker() as session:
                agent = await self._load_agent(session, self.agent_id)
                if agent is None:
                    raise FrameError("not_found:agent", "This agent was deleted")
                model = await state.model_factory(agent, session, self._principal)
                tools = await state.tool_factory(agent, session, self._principal)
        except FrameError:
            raise
        except LLMError as exc:
            await self._send(_error(exc.code, exc.message, retryable=exc.retryable))
            return
        except AppError as exc:
            await self._send(_error(exc.code, exc.message))
            return
        except Exception as exc:  # overload, or a bug: report it, keep the socket
            if is_server_busy(exc):
                await self._send(_error("server_busy", SERVER_BUSY, retryable=True))
                return
            if is_database_unavailable(exc):
                await self._send(database_unavailable_frame())
                return
            logger.error("playground run setup failed: %s", type(exc).__name__, exc_info=exc)
            await self._send(_error("internal_error", "The run could not start"))
            return
        run = run_agent(
            sessionmaker=state.sessionmaker,
            agent=agent,
            model=model,
            tools=tools,
            user_text=frame.content,
            conversation_id=frame.conversation_id,
            channel="playground",
            max_turns_default=state.settings.run_max_turns_default,
            registry=getattr(state, "run_registry", None),
            exporter=getattr(state, "trace_exporter", None),
            db_retry_grace_s=state.settings.db_retry_grace_s,
        )
        self._run = run
        self._run_task = asyncio.create_task(self._drive(run), name="playground-run")

    async def _drive(self, run: AgentRun) -> None:
        try:
            async for event in run:
                await self._send_event(event)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass  # the socket is gone; aclose() below interrupts the run
        finally:
            await run.aclose()
            # An idle socket keeps nothing of its last run (memory per socket stays small).
            self._run = None
            self._run_task = None

    async def _cancel(self, conversation_id: uuid.UUID | None) -> None:
        running = self._run if self._run_task is not None and not self._run_task.done() else None
        if running is not None and conversation_id in (None, running.conversation_id):
            running.cancel()
            return
        target = conversation_id or self.conversation_id
        registry = getattr(self._app.state, "run_registry", None)
        if target is None or registry is None:
            return  # nothing running: a cancel is idempotent
        async with self._app.state.sessionmaker() as session:
            assert self.agent_id is not None
            found = await conversations.find_agent_conversation(session, self.agent_id, target)
        if found is None:
            raise FrameError("not_found:conversation", f"Conversation not found: {target}")
        await registry.cancel(target)  # the run may live on another worker

    async def _stop_run(self) -> None:
        """The socket closed: interrupt the run in flight and wait until it is stored."""
        if self._run is not None:
            self._run.cancel()
        if self._run_task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._run_task

    # -- sending ------------------------------------------------------------------------------

    async def _send_event(self, event: RunEvent) -> None:
        if isinstance(event, ConversationStarted):
            if event.conversation_id == self.conversation_id and not event.created:
                return  # continuing the same conversation: nothing new to announce
            self.conversation_id = event.conversation_id
        await self._send(event.model_dump(mode="json"))

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            if self._ws.application_state is not WebSocketState.CONNECTED:
                raise WebSocketDisconnect(code=1006)
            self._seq += 1
            frame["seq"] = self._seq
            if self.conversation_id is not None:
                frame.setdefault("conversation_id", str(self.conversation_id))
            await self._ws.send_text(json.dumps(frame))

    async def _load_agent(self, session: AsyncSession, agent_id: uuid.UUID) -> Agent | None:
        try:
            return await agents.get_agent(session, self._principal.workspace_id, agent_id)
        except NotFoundError:
            return None


def _error(code: str, message: str, *, retryable: bool = False) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message, "retryable": retryable}
