"""Summarise long ticket threads with a LangChain chain."""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_openai import ChatOpenAI

from app.prompts import SUMMARY_TEMPLATE

llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
chain = ChatPromptTemplate.from_template(SUMMARY_TEMPLATE) | llm | StrOutputParser()


def summarise_thread(messages: list[str]) -> str:
    thread = "\n---\n".join(messages[-30:])
    return chain.invoke({"thread": thread})
