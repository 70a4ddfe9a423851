"""Another worker: one more turn of a stored conversation, in a process of its own.

`python -m tests.runs.second_worker DATABASE_URL AGENT_ID CONVERSATION_ID GEMINI_URL TEXT`
runs the turn with a Gemini model pointed at a fake server. Nothing of the process that ran the
earlier turns is here: whatever the model needs from them has to come from the database.
"""

from __future__ import annotations

import asyncio
import sys
import uuid

from app.agents.models import Agent
from app.config import Settings
from app.database import create_engine, create_sessionmaker
from app.llm.providers.google import GoogleModel
from app.runs.events import RunError
from app.runs.runner import run_agent
from app.tools.egress import EgressGuard
from app.tools.egress_transport import ModelEgress


async def main(
    database_url: str, agent_id: str, conversation_id: str, base_url: str, text: str
) -> int:
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session:
            agent = await session.get(Agent, uuid.UUID(agent_id))
        assert agent is not None
        # Only the fake server's loopback address allowed (imports kept few: this is a process).
        settings = Settings(_env_file=None, tool_allowed_private_hosts="127.0.0.1")
        egress = ModelEgress(EgressGuard(settings))
        model = GoogleModel(
            "gemini-3-pro-preview", api_key="sk-test", egress=egress, base_url=base_url
        )
        run = run_agent(
            sessionmaker=sessionmaker,
            agent=agent,
            model=model,
            tools=[],
            user_text=text,
            conversation_id=uuid.UUID(conversation_id),
        )
        async with run:
            errors = [event async for event in run if isinstance(event, RunError)]
        for error in errors:
            print(f"{error.code}: {error.message}", file=sys.stderr)
        return 1 if errors else 0
    finally:
        await engine.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(*sys.argv[1:6])))
