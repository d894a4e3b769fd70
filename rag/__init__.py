"""Retrieval over an organisation's policy documents.

loaders (PDF, DOCX, HTML, Markdown, text) -> chunking (exact offsets, one
page/section anchor per chunk) -> embeddings (offline MiniLM by default) ->
index (chromadb plus per-document records) -> retriever (dense + BM25, fused
by reciprocal rank) -> quotes (verify a citation against the source text).

Imports nothing of ours outside this package, and nothing heavy at import
time: chromadb, onnxruntime and langchain load inside the functions that
need them.
"""
