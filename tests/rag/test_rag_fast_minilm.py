"""The fast MiniLM graph: derived from the verified source, cached, and close to the source's vectors."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rag import embeddings as embeddings_module
from rag.embeddings import MINILM_EXACT_NAME, EmbedderError, MiniLMEmbedder, default_model_path, make_embedder
from rag.minilm_graph import DERIVATION_VERSION, UnexpectedGraphError, derive
from rag.model_cache import cache_dir, load_or_derive

POLICY_TEXTS = [
    "Employees must not paste customer personal data into public generative AI tools such as ChatGPT.",
    "4.2 Incident reporting\nIncidents involving AI systems are reported to the security team within 24 hours.",
    "The AI governance board approves every new AI system before deployment and reviews the register each year.",
    "Suppliers of AI services must not train their models on our data; contracts say so explicitly.",
    "Impact assessments consider effects on individuals, groups and society, and are kept for six years.",
    "Data retention",
    "Human oversight is required for automated decisions that affect customers' access to credit or employment, "
    "and every such decision can be appealed to a person who can overturn it. " * 3,
]


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def source_bytes() -> bytes:
    path = default_model_path()
    assert path is not None
    return path.read_bytes()


def test_derivation_is_deterministic_and_fuses_the_attention(source_bytes: bytes) -> None:
    import onnx

    first = derive(source_bytes)
    assert derive(source_bytes) == first
    ops = [n.op_type for n in onnx.load_from_string(first).graph.node]
    assert ops.count("QAttention") == 6 and ops.count("DynamicQuantizeMatMul") == 18
    assert "IsNaN" not in ops and "Where" not in ops and "Cast" in ops  # only the mask's cast is left
    assert len(first) < 2.7 * len(source_bytes)  # int8 weights kept as int8, only the embeddings in fp32


def test_derivation_refuses_other_graphs(source_bytes: bytes) -> None:
    import onnx
    from onnx import TensorProto, helper

    with pytest.raises(UnexpectedGraphError, match="cannot be read"):
        derive(b"\x00not a model")
    tiny = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])]))
    with pytest.raises(UnexpectedGraphError):
        derive(tiny.SerializeToString())
    model = onnx.load_from_string(source_bytes)
    layer_norms = [n for n in model.graph.node if n.op_type == "LayerNormalization"]
    model.graph.node.remove(layer_norms[-1])  # a graph that is almost the MiniLM export
    with pytest.raises(UnexpectedGraphError):
        derive(model.SerializeToString())


def test_fast_vectors_agree_with_the_source_graph(minilm: MiniLMEmbedder, minilm_exact: MiniLMEmbedder) -> None:
    fast, exact = minilm.embed(POLICY_TEXTS), minilm_exact.embed(POLICY_TEXTS)
    cosines = [_cos(a, b) for a, b in zip(fast, exact, strict=True)]
    assert min(cosines) > 0.98 and sum(cosines) / len(cosines) > 0.99
    assert max(cosines) < 0.999999  # really the int8 graph, not the source run twice
    # Retrieval order holds: each text's nearest neighbour among the source's vectors is itself.
    for i, vector in enumerate(fast):
        assert max(range(len(exact)), key=lambda j: _cos(vector, exact[j])) == i


def test_names_tell_the_graphs_apart(minilm: MiniLMEmbedder, minilm_exact: MiniLMEmbedder) -> None:
    assert minilm_exact.name == MINILM_EXACT_NAME == "all-MiniLM-L6-v2-onnx-int8"  # what existing indexes carry
    assert minilm.name.endswith(f"-v{DERIVATION_VERSION}") and minilm.name != minilm_exact.name
    assert make_embedder("minilm").name == minilm.name
    assert make_embedder("minilm-exact").name == MINILM_EXACT_NAME
    with pytest.raises(ValueError, match="variant"):
        MiniLMEmbedder(variant="fp16")


def test_vectors_do_not_depend_on_the_other_texts_in_a_call(minilm: MiniLMEmbedder) -> None:
    together = minilm.embed(POLICY_TEXTS)
    for text, vector in zip(POLICY_TEXTS, together, strict=True):
        assert minilm.embed([text])[0] == vector


def test_derived_once_then_loaded_from_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    first = MiniLMEmbedder(cache_dir=folder)
    vectors = first.embed(POLICY_TEXTS[:3])
    assert first.model_origin == "derived and cached"
    files = [p for p in folder.iterdir()]
    assert len(files) == 1 and f"-d{DERIVATION_VERSION}.onnx" in files[0].name
    again = MiniLMEmbedder(cache_dir=folder)
    assert again.embed(POLICY_TEXTS[:3]) == vectors and again.model_origin == "cache"

    # A damaged file (one flipped byte, or cut short) is derived again and rewritten, never loaded.
    raw = bytearray(files[0].read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    files[0].write_bytes(bytes(raw))
    repaired = MiniLMEmbedder(cache_dir=folder)
    assert repaired.embed(POLICY_TEXTS[:3]) == vectors and repaired.model_origin == "derived and cached"
    files[0].write_bytes(files[0].read_bytes()[:1000])
    assert MiniLMEmbedder(cache_dir=folder).embed(POLICY_TEXTS[:1]) == vectors[:1]
    assert MiniLMEmbedder(cache_dir=folder).embed(POLICY_TEXTS[:1]) == vectors[:1]  # and the repair was kept
    assert sorted(p.name for p in folder.iterdir()) == [files[0].name]  # no temp files left behind


def test_an_unusable_cache_folder_means_deriving_in_memory(tmp_path: Path, minilm: MiniLMEmbedder) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    embedder = MiniLMEmbedder(cache_dir=blocker / "models")  # cannot be created: its parent is a file
    assert embedder.embed(POLICY_TEXTS[:2]) == minilm.embed(POLICY_TEXTS[:2])
    assert embedder.model_origin == "derived in memory"


def test_a_derived_graph_that_strays_from_the_source_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embeddings_module, "_SELF_CHECK_MIN_COSINE", 1.01)  # no graph can pass
    with pytest.raises(EmbedderError, match="minilm-exact"):
        MiniLMEmbedder(cache_dir=tmp_path / "models").embed(["x"])
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())  # nothing cached


# --- the cache itself, with a cheap stand-in for the derivation ---------------


def test_cache_round_trip_and_integrity(tmp_path: Path) -> None:
    calls: list[int] = []

    def derive_once() -> bytes:
        calls.append(1)
        return b"model bytes " * 100

    body, origin = load_or_derive("m.onnx", derive_once, tmp_path)
    assert (body, origin, len(calls)) == (b"model bytes " * 100, "derived and cached", 1)
    assert load_or_derive("m.onnx", derive_once, tmp_path) == (body, "cache") and len(calls) == 1
    stored = (tmp_path / "m.onnx").read_bytes()
    assert hashlib.sha256(body).hexdigest().encode() in stored.split(b"\n")[1]
    (tmp_path / "m.onnx").write_bytes(stored.replace(b"model", b"MODEL", 1))  # same length, other content
    assert load_or_derive("m.onnx", derive_once, tmp_path) == (body, "derived and cached") and len(calls) == 2
    (tmp_path / "m.onnx").write_bytes(b"")
    assert load_or_derive("m.onnx", derive_once, tmp_path)[1] == "derived and cached"


def test_cache_failures_never_fail_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert load_or_derive("m.onnx", lambda: b"body", blocker / "sub") == (b"body", "derived in memory")
    (tmp_path / "dir.onnx").mkdir()  # a folder where the file should be: unreadable and unwritable
    assert load_or_derive("dir.onnx", lambda: b"body", tmp_path) == (b"body", "derived in memory")
    monkeypatch.setattr("rag.model_cache.cache_dir", lambda: None)
    assert load_or_derive("m.onnx", lambda: b"body") == (b"body", "derived in memory")


def test_cache_folder_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMS_MODEL_CACHE", str(tmp_path / "explicit"))
    monkeypatch.setenv("AIMS_CACHE_DIR", str(tmp_path / "shared"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("AIMS_MODEL_CACHE")
    assert cache_dir() == tmp_path / "shared" / "models"  # beside the log prefilter's cache
    monkeypatch.setenv("AIMS_CACHE_DIR", "")
    assert cache_dir() is None  # set but empty: no cache at all
    monkeypatch.delenv("AIMS_CACHE_DIR")
    assert cache_dir() == tmp_path / "xdg" / "aims" / "models"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "aims" / "models"
