"""Test doubles shared across the suite: a queued fake chat model and small in-memory gap inputs.

`QueuedChatModel` is a real langchain `BaseChatModel`, so it goes through the
same `with_structured_output(...).invoke(messages)` seam as `ChatOpenAI`. Each
call pops the next queued item: a dict or pydantic object (a structured
answer), a string or AIMessage (a plain reply), or an exception (raised). It
records the messages of every call in `prompts`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field, ValidationError

from rag.models import Chunk, Passage
from rag.untrusted import suspicion_reason


class QueueExhaustedError(AssertionError):
    """The code under test asked the model more often than the test queued answers for."""


class QueuedChatModel(BaseChatModel):
    responses: list[Any] = Field(default_factory=list)
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    structured_methods: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "aims-queued-fake"

    def _next(self, messages: list[BaseMessage]) -> Any:
        self.prompts.append(list(messages))
        if not self.responses:
            raise QueueExhaustedError(f"no queued response for call {len(self.prompts)}")
        item = self.responses.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def _generate(
        self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        item = self._next(messages)
        message = item if isinstance(item, AIMessage) else AIMessage(content=_as_text(item))
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(  # type: ignore[override]
        self, schema: Any, *, method: str = "json_schema", include_raw: bool = False, **kwargs: Any
    ) -> Runnable[Any, Any]:
        self.structured_methods.append(method)

        def run(model_input: Any) -> Any:
            messages = self._convert_input(model_input).to_messages()
            item = self._next(messages)
            raw = item if isinstance(item, AIMessage) else AIMessage(content=_as_text(item))
            parsed: Any = None
            error: Exception | None = None
            try:
                parsed = _parse(schema, item)
            except (ValidationError, ValueError) as exc:
                if not include_raw:
                    raise
                error = exc
            if include_raw:
                return {"raw": raw, "parsed": parsed, "parsing_error": error}
            return parsed

        return RunnableLambda(run)

    @property
    def calls(self) -> int:
        return len(self.prompts)


def _as_text(item: Any) -> str:
    if isinstance(item, BaseModel):
        return item.model_dump_json()
    if isinstance(item, (dict, list)):
        return json.dumps(item)
    return str(item.content if isinstance(item, AIMessage) else item)


def _parse(schema: Any, item: Any) -> Any:
    if isinstance(item, AIMessage):
        item = json.loads(str(item.content))
    elif isinstance(item, str):
        item = json.loads(item)
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema.model_validate(item.model_dump() if isinstance(item, BaseModel) else item)
    return item


# --- small in-memory gap inputs -------------------------------------------------


@dataclass(frozen=True)
class FakeRequirement:
    id: str
    title: str
    kind: str = "control"
    objective: str | None = None
    ai_specific: bool = False
    guidance: str = "Our own words on what evidence would satisfy this."
    queries: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    technical_evidence: tuple[str, ...] = ()
    crosswalk: Any = ()
    group: str = ""


class UnknownFakeRequirement(KeyError):
    pass


@dataclass
class FakeCatalogue:
    requirements: list[FakeRequirement]

    def all(self) -> list[FakeRequirement]:
        return list(self.requirements)

    def controls(self) -> list[FakeRequirement]:
        return [r for r in self.requirements if r.kind == "control"]

    def ids(self) -> list[str]:
        return [r.id for r in self.requirements]

    def get(self, requirement_id: str) -> FakeRequirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        raise UnknownFakeRequirement(requirement_id)

    def validate_ids(self, ids: Sequence[str]) -> list[str]:
        return [self.get(i).id for i in ids]


@dataclass
class FakeDocument:
    id: str
    name: str
    text: str
    sections: list[tuple[int, int, str]] = field(default_factory=list)


class FakePassageSource:
    """An in-memory `PassageSource`: chunks are paragraphs; search ranks by shared words."""

    def __init__(self, documents: Sequence[FakeDocument]) -> None:
        self.documents = {d.id: d for d in documents}
        self.chunks: dict[str, Chunk] = {}
        for document in documents:
            offset = 0
            for number, paragraph in enumerate(document.text.split("\n\n")):
                start = document.text.index(paragraph, offset)
                end = start + len(paragraph)
                offset = end
                if not paragraph.strip():
                    continue
                section = next((s for a, b, s in document.sections if a <= start < b), None)
                chunk = Chunk(
                    id=f"{document.id}-c{number}",
                    document_id=document.id,
                    document=document.name,
                    section=section,
                    start=start,
                    end=end,
                    text=paragraph,
                    suspicious=suspicion_reason(paragraph),
                )
                self.chunks[chunk.id] = chunk
        self.searches: list[list[str]] = []

    def search_many(self, queries: Sequence[str], k: int = 5) -> list[Passage]:
        self.searches.append(list(queries))
        words = {w.lower().strip(".,") for q in queries for w in q.split() if len(w) > 3}
        scored = []
        for chunk in self.chunks.values():
            text_words = {w.lower().strip(".,:;") for w in chunk.text.split()}
            # Like dense retrieval, every chunk gets a rank, relevant or not.
            scored.append((len(words & text_words), chunk.id))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [
            Passage(**self.chunks[cid].model_dump(), score=round(overlap / 61, 6), rank=rank)
            for rank, (overlap, cid) in enumerate(scored[:k], start=1)
        ]

    def get(self, chunk_id: str) -> Chunk | None:
        return self.chunks.get(chunk_id)

    def document_text(self, document_id: str) -> str:
        return self.documents[document_id].text
