"""HTTP entry point: the helpdesk calls these endpoints from its sidebar app."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from app.drafter import draft_reply
from app.summarise import summarise_thread
from config.settings import settings

logging.basicConfig(level=settings.log_level.upper())
log = logging.getLogger("support-bot")
app = FastAPI(title="support-bot")


class Ticket(BaseModel):
    id: int
    subject: str
    body: str


class Thread(BaseModel):
    ticket_id: int
    messages: list[str]


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/draft")
def draft(ticket: Ticket) -> dict[str, str]:
    if len(ticket.body) > settings.max_ticket_chars:
        raise HTTPException(status_code=413, detail="ticket too long to draft")
    log.info("drafting reply for ticket %s", ticket.id)
    return {"ticket_id": str(ticket.id), "draft": draft_reply(ticket.subject, ticket.body)}


@app.post("/summary")
def summary(thread: Thread) -> dict[str, str]:
    return {"ticket_id": str(thread.ticket_id), "summary": summarise_thread(thread.messages)}
