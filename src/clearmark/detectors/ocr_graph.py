"""Exact rewrites of the PP-OCRv4 ONNX graphs at engine open time: affine folds and fused hard-swish.

PP-OCRv4's PPLCNetV3 backbone, as exported by paddle2onnx, spells every hard-swish as
``x * clip(x + 3, 0, 6) / 6`` and wraps it in learnable affine blocks (a scalar ``Mul`` then a scalar
``Add``) before and after. ONNX Runtime fuses none of it, so each becomes a pass over the feature
map. ``rewrite_ocr_model`` rewrites the graph into the same function with fewer passes:

* ``Conv -> Mul(scalar) [-> Add(scalar)]`` becomes one ``Conv`` with scaled weights and bias;
* ``Mul(scalar) [-> Add(scalar)] -> Conv`` becomes one ``Conv`` when every consumer is a convolution
  without padding (a 1x1); with zero padding the shift would reach the padded border, so only the
  scale folds there (scaling keeps zero padding zero);
* the hard-swish chain becomes ``x * HardSigmoid(x; 1/6, 1/2)`` (``HardSigmoid`` exists at the
  models' opset 12, where ``HardSwish`` does not), which ONNX Runtime fuses into the Conv before it;
* the detector neck's residual gate ``x + x * HardSigmoid(z)`` becomes ``x * Clip(z', 1, 2)``;
* the detector head's ``ConvTranspose -> Add(bias) -> BatchNormalization`` becomes one ConvTranspose.

Every rewrite is an algebraic identity; only float rounding differs. The rewrite is deterministic
(same input bytes, same output bytes). The model is read and written through ``onnx_proto`` (the
schema subset it needs), not the ``onnx`` package.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from clearmark.detectors.onnx_proto import float_array, float_tensor, make_node, parse_model


@dataclass(frozen=True)
class RewriteCounts:
    """How many of each rewrite applied to one model."""

    conv_affines: int
    affines_into_conv: int
    scales_into_padded_conv: int
    affines_as_depthwise: int
    hard_swishes: int
    residual_gates: int
    transposed_conv_folds: int


def rewrite_ocr_model(model_bytes: bytes) -> tuple[bytes, RewriteCounts]:
    """The serialised model with its affine blocks folded and hard-swishes fused, and what was rewritten.

    Raises:
        google.protobuf.message.DecodeError: ``model_bytes`` is not an ONNX model.
    """
    model = parse_model(model_bytes)
    graph = _Graph(model.graph)
    counts = RewriteCounts(
        conv_affines=graph.fold_affines_after_convs(),
        affines_into_conv=graph.fold_affines_into_unpadded_convs(),
        scales_into_padded_conv=graph.fold_scales_into_padded_convs(),
        affines_as_depthwise=graph.affines_as_depthwise_convs(),
        hard_swishes=graph.fuse_hard_swishes(),
        residual_gates=graph.fuse_residual_gates(),
        transposed_conv_folds=graph.fold_into_transposed_convs(),
    )
    graph.write_back()
    return model.SerializeToString(deterministic=True), counts


class _Graph:
    """A mutable view of an ONNX graph: float constants as arrays, the computing nodes in order."""

    def __init__(self, graph) -> None:
        self._graph = graph
        self.constants: dict[str, np.ndarray] = {}
        self._constant_nodes = []
        self._created: set[str] = set()
        for tensor in graph.initializer:
            if (value := float_array(tensor)) is not None:
                self.constants[tensor.name] = value
        self.nodes = []
        for node in graph.node:
            if node.op_type == "Constant" and not node.domain:
                self._constant_nodes.append(node)
                attribute = node.attribute[0] if len(node.attribute) == 1 else None
                if attribute is not None and attribute.name == "value":
                    if (value := float_array(attribute.t)) is not None:
                        self.constants[node.output[0]] = value
            else:
                self.nodes.append(node)
        self.outputs = {o.name for o in graph.output}

    def write_back(self) -> None:
        """Replace the graph's nodes and initializers with the rewritten ones (unused constants dropped)."""
        used = {name for node in self.nodes for name in node.input} | self.outputs
        nodes = [node for node in self._constant_nodes if node.output[0] in used] + self.nodes
        initializers = [tensor for tensor in self._graph.initializer if tensor.name in used]
        initializers += [float_tensor(name, self.constants[name]) for name in sorted(self._created & used)]
        del self._graph.node[:]
        self._graph.node.extend(nodes)
        del self._graph.initializer[:]
        self._graph.initializer.extend(initializers)

    # -- queries ----------------------------------------------------------------------------------

    def _consumers(self) -> dict[str, list]:
        """Who reads each name. Computed once per rewrite pass: the matches of one pass never share a
        node, and a rewrite changes no reader of a name another match looks at."""
        consumers: dict[str, list] = {}
        for node in self.nodes:
            for name in node.input:
                consumers.setdefault(name, []).append(node)
        return consumers

    def _scalar(self, name: str) -> float | None:
        """The value of a one-element float constant, else None."""
        value = self.constants.get(name)
        if value is None or value.size != 1 or value.dtype != np.float32:
            return None
        return float(value.reshape(()))

    def _scalar_operand(self, node, op_type: str) -> tuple[str, float] | None:
        """For a binary ``op_type`` node with one scalar constant operand: (the other input, the scalar)."""
        if node.op_type != op_type or len(node.input) != 2:
            return None
        first, second = node.input
        if (value := self._scalar(second)) is not None and first not in self.constants:
            return first, value
        if op_type in ("Mul", "Add") and (value := self._scalar(first)) is not None and second not in self.constants:
            return second, value
        return None

    def _sole_consumer(self, name: str, consumers: dict[str, list]):
        users = consumers.get(name, [])
        return users[0] if len(users) == 1 and name not in self.outputs else None

    def _conv_weights(self, conv) -> tuple[np.ndarray, np.ndarray] | None:
        """A Conv's constant weight and bias (zeros when it has none), else None."""
        if conv.op_type != "Conv" or conv.input[1] not in self.constants:
            return None
        weight = self.constants[conv.input[1]]
        if len(conv.input) > 2 and conv.input[2]:
            if conv.input[2] not in self.constants:
                return None
            return weight, self.constants[conv.input[2]]
        return weight, np.zeros(weight.shape[0], dtype=weight.dtype)

    def _set_conv_weights(self, conv, weight: np.ndarray, bias: np.ndarray) -> None:
        """Give the Conv new weight and bias constants of its own (named after its output)."""
        weight_name, bias_name = f"{conv.output[0]}.folded_weight", f"{conv.output[0]}.folded_bias"
        self._add_constant(weight_name, weight)
        self._add_constant(bias_name, bias)
        del conv.input[1:]
        conv.input.extend([weight_name, bias_name])

    def _add_constant(self, name: str, value: np.ndarray) -> None:
        """A new float32 constant, written as an initializer."""
        self.constants[name] = np.asarray(value, dtype=np.float32)
        self._created.add(name)

    def _affine_after(self, name: str, consumers: dict[str, list]) -> tuple[float, float, list] | None:
        """``name -> Mul(s) [-> Add(b)]`` with single-use links: (s, b, the nodes), else None."""
        mul = self._sole_consumer(name, consumers)
        scaled = mul is not None and self._scalar_operand(mul, "Mul")
        if not scaled or scaled[0] != name:
            return None
        return self._affine_from(mul, scaled[1], consumers)

    def _affine_from(self, mul, scale: float, consumers: dict[str, list]) -> tuple[float, float, list]:
        """A scalar Mul and the scalar Add that alone reads it, if any: (s, b, the nodes)."""
        add = self._sole_consumer(mul.output[0], consumers)
        shifted = add is not None and self._scalar_operand(add, "Add")
        if shifted and shifted[0] == mul.output[0]:
            return scale, shifted[1], [mul, add]
        return scale, 0.0, [mul]

    def _remove(self, removed: list) -> None:
        ids = {id(node) for node in removed}
        self.nodes = [node for node in self.nodes if id(node) not in ids]

    @staticmethod
    def _rename_input(nodes: list, old: str, new: str) -> None:
        for node in nodes:
            for index, name in enumerate(node.input):
                if name == old:
                    node.input[index] = new

    # -- rewrites ---------------------------------------------------------------------------------

    def fold_affines_after_convs(self) -> int:
        """``Conv -> Mul(s) [-> Add(b)]`` into the Conv: weight * s, bias * s + b."""
        folded = 0
        consumers = self._consumers()
        for conv in list(self.nodes):
            weights = self._conv_weights(conv)
            affine = weights and self._affine_after(conv.output[0], consumers)
            if not affine:
                continue
            scale, shift, nodes = affine
            weight, bias = weights
            self._set_conv_weights(conv, weight.astype(np.float64) * scale, bias.astype(np.float64) * scale + shift)
            conv.output[0] = nodes[-1].output[0]
            self._remove(nodes)
            folded += 1
        return folded

    def fold_affines_into_unpadded_convs(self) -> int:
        """``Mul(s) [-> Add(b)] -> Conv(pads 0)`` into every consuming Conv: weight * s, bias + b * sum(weight)."""
        folded = 0
        consumers = self._consumers()
        for mul in list(self.nodes):
            scaled = self._scalar_operand(mul, "Mul")
            if not scaled or scaled[0] in self.constants:
                continue
            scale, shift, nodes = self._affine_from(mul, scaled[1], consumers)
            if len(nodes) == 1:
                continue  # a bare scale: fold_scales_into_padded_convs handles it for any Conv
            end = nodes[-1].output[0]
            users = consumers.get(end, [])
            if not users or end in self.outputs or not all(self._unpadded_conv_on(user, end) for user in users):
                continue
            for conv in users:
                weight, bias = self._conv_weights(conv)
                wide = weight.astype(np.float64)
                self._set_conv_weights(conv, wide * scale, bias.astype(np.float64) + shift * wide.sum(axis=(1, 2, 3)))
            self._rename_input(users, end, scaled[0])
            self._remove(nodes)
            folded += 1
        return folded

    def fold_scales_into_padded_convs(self) -> int:
        """``Mul(s) -> Conv`` (the Mul's only use) into the Conv's weight: exact whatever the padding."""
        folded = 0
        consumers = self._consumers()
        for mul in list(self.nodes):
            scaled = self._scalar_operand(mul, "Mul")
            if not scaled:
                continue
            conv = self._sole_consumer(mul.output[0], consumers)
            if conv is None or conv.input[0] != mul.output[0] or self._conv_weights(conv) is None:
                continue
            if conv.input[1] == mul.output[0] or (len(conv.input) > 2 and conv.input[2] == mul.output[0]):
                continue
            weight, bias = self._conv_weights(conv)
            self._set_conv_weights(conv, weight.astype(np.float64) * scaled[1], bias)
            conv.input[0] = scaled[0]
            self._remove([mul])
            folded += 1
        return folded

    def affines_as_depthwise_convs(self) -> int:
        """``Mul(s) [-> Add(b)]`` feeding only Convs into one 1x1 depthwise Conv (weight s, bias b).

        A padded Conv cannot absorb the shift, but a 1x1 depthwise Conv computes the same ``x * s + b``
        and keeps ONNX Runtime's blocked (NCHWc) layout, where the two scalar ops each cost a pass
        and a layout reorder on either side.
        """
        replaced = 0
        consumers = self._consumers()
        for mul in list(self.nodes):
            scaled = self._scalar_operand(mul, "Mul")
            if not scaled or scaled[0] in self.constants:
                continue
            scale, shift, nodes = self._affine_from(mul, scaled[1], consumers)
            end = nodes[-1].output[0]
            users = consumers.get(end, [])
            if not users or end in self.outputs or not all(self._conv_input_of(user, end) for user in users):
                continue
            channels = {self._conv_weights(user)[0].shape[1] * self._group(user) for user in users}
            if len(channels) != 1:
                continue
            (count,) = channels
            weight_name, bias_name = f"{end}.affine_weight", f"{end}.affine_bias"
            self._add_constant(weight_name, np.full((count, 1, 1, 1), scale))
            self._add_constant(bias_name, np.full(count, shift))
            conv = make_node("Conv", [scaled[0], weight_name, bias_name], [end], group=count, kernel_shape=[1, 1])
            at = self.nodes.index(mul)
            self._remove(nodes)
            self.nodes.insert(at, conv)
            replaced += 1
        return replaced

    def _conv_input_of(self, node, name: str) -> bool:
        """True for a Conv with constant weights reading ``name`` as its data input only."""
        return (
            node.op_type == "Conv"
            and node.input[0] == name
            and name not in node.input[1:]
            and self._conv_weights(node) is not None
        )

    @staticmethod
    def _group(conv) -> int:
        return next((a.i for a in conv.attribute if a.name == "group"), 1)

    def _unpadded_conv_on(self, node, name: str) -> bool:
        """True for a Conv reading ``name`` as its data input, with constant weights and no padding."""
        if node.op_type != "Conv" or node.input[0] != name or name in node.input[1:]:
            return False
        attributes = {a.name: a for a in node.attribute}
        pads = list(attributes["pads"].ints) if "pads" in attributes else []
        auto_pad = attributes["auto_pad"].s.decode() if "auto_pad" in attributes else "NOTSET"
        return auto_pad in ("NOTSET", "VALID") and not any(pads) and self._conv_weights(node) is not None

    def fuse_hard_swishes(self) -> int:
        """``x * clip(x + 3, 0, 6) / 6`` into ``x * HardSigmoid(x; alpha=1/6, beta=0.5)``."""
        fused = 0
        consumers = self._consumers()
        for add in list(self.nodes):
            shifted = self._scalar_operand(add, "Add")
            if not shifted or shifted[1] != 3.0:
                continue
            x = shifted[0]
            clip = self._sole_consumer(add.output[0], consumers)
            if clip is None or clip.op_type != "Clip" or not self._clips_to(clip, 0.0, 6.0):
                continue
            mul = self._sole_consumer(clip.output[0], consumers)
            if mul is None or mul.op_type != "Mul" or sorted(mul.input) != sorted([x, clip.output[0]]):
                continue
            div = self._sole_consumer(mul.output[0], consumers)
            divided = div is not None and self._scalar_operand(div, "Div")
            if not divided or divided[0] != mul.output[0] or divided[1] != 6.0:
                continue
            gate = f"{div.output[0]}.hard_sigmoid"
            hard_sigmoid = make_node("HardSigmoid", [x], [gate], alpha=1.0 / 6.0, beta=0.5)
            product = make_node("Mul", [x, gate], [div.output[0]])
            at = self.nodes.index(add)
            self._remove([add, clip, mul, div])
            self.nodes[at:at] = [hard_sigmoid, product]
            fused += 1
        return fused

    def fuse_residual_gates(self) -> int:
        """``x + x * HardSigmoid(Conv(.); a, b)`` into ``x * Clip(Conv'(.), 1, 2)`` with Conv' = a * Conv + b + 1.

        The residual squeeze-excitation of the detector's neck: one pass over ``x`` instead of two.
        """
        fused = 0
        consumers = self._consumers()
        for gate in list(self.nodes):
            if gate.op_type != "HardSigmoid":
                continue
            attributes = {a.name: a.f for a in gate.attribute}
            alpha, beta = attributes.get("alpha", 0.2), attributes.get("beta", 0.5)
            conv = next((node for node in self.nodes if gate.input[0] in node.output), None)
            weights = conv is not None and self._conv_weights(conv)
            if not weights or self._sole_consumer(conv.output[0], consumers) is not gate:
                continue
            mul = self._sole_consumer(gate.output[0], consumers)
            if mul is None or mul.op_type != "Mul" or len(mul.input) != 2 or gate.output[0] not in mul.input:
                continue
            x = mul.input[1] if mul.input[0] == gate.output[0] else mul.input[0]
            add = self._sole_consumer(mul.output[0], consumers)
            if add is None or add.op_type != "Add" or sorted(add.input) != sorted([x, mul.output[0]]):
                continue
            weight, bias = weights
            wide = weight.astype(np.float64), bias.astype(np.float64)
            self._set_conv_weights(conv, wide[0] * alpha, wide[1] * alpha + beta + 1.0)
            low, high = f"{add.output[0]}.one", f"{add.output[0]}.two"
            self._add_constant(low, np.array(1.0))
            self._add_constant(high, np.array(2.0))
            clip = make_node("Clip", [conv.output[0], low, high], [gate.output[0]])
            product = make_node("Mul", [x, gate.output[0]], [add.output[0]])
            at = self.nodes.index(gate)
            self._remove([gate, mul, add])
            self.nodes[at:at] = [clip, product]
            fused += 1
        return fused

    def fold_into_transposed_convs(self) -> int:
        """``ConvTranspose -> Add(per-channel constant) [-> BatchNormalization]`` into the ConvTranspose."""
        folded = 0
        consumers = self._consumers()
        for conv in list(self.nodes):
            if conv.op_type != "ConvTranspose" or conv.input[1] not in self.constants:
                continue
            if any(a.name == "group" and a.i != 1 for a in conv.attribute):
                continue
            weight = self.constants[conv.input[1]].astype(np.float64)
            channels = weight.shape[1]
            has_bias = len(conv.input) > 2 and conv.input[2]
            if has_bias and conv.input[2] not in self.constants:
                continue
            bias = self.constants[conv.input[2]].astype(np.float64) if has_bias else np.zeros(channels)
            removed = []
            add = self._sole_consumer(conv.output[0], consumers)
            shift = None
            if add is not None and add.op_type == "Add":
                shift = self._channel_constant(add, conv.output[0], channels)
            if shift is not None:
                bias = bias + shift
                removed.append(add)
            end = (removed[-1] if removed else conv).output[0]
            norm = self._sole_consumer(end, consumers)
            if norm is not None and norm.op_type == "BatchNormalization" and norm.input[0] == end:
                params = [self.constants.get(name) for name in norm.input[1:]]
                if len(norm.output) == 1 and all(p is not None and p.shape == (channels,) for p in params):
                    gamma, beta, mean, variance = (p.astype(np.float64) for p in params)
                    epsilon = next((a.f for a in norm.attribute if a.name == "epsilon"), 1e-5)
                    scale = gamma / np.sqrt(variance + epsilon)
                    weight = weight * scale[None, :, None, None]
                    bias = (bias - mean) * scale + beta
                    removed.append(norm)
            if not removed:
                continue
            weight_name, bias_name = f"{conv.output[0]}.folded_weight", f"{conv.output[0]}.folded_bias"
            self._add_constant(weight_name, weight)
            self._add_constant(bias_name, bias)
            del conv.input[1:]
            conv.input.extend([weight_name, bias_name])
            conv.output[0] = removed[-1].output[0]
            self._remove(removed)
            folded += 1
        return folded

    def _channel_constant(self, add, name: str, channels: int) -> np.ndarray | None:
        """The per-channel values of an ``Add(name, constant)`` whose constant is a scalar or (1, C, 1, 1)."""
        if len(add.input) != 2 or name not in add.input:
            return None
        other = add.input[1] if add.input[0] == name else add.input[0]
        value = self.constants.get(other)
        if value is None or value.dtype != np.float32:
            return None
        if value.size == 1:
            return np.full(channels, float(value.reshape(())))
        if value.shape == (1, channels, 1, 1):
            return value.reshape(channels).astype(np.float64)
        return None

    def _clips_to(self, clip, low: float, high: float) -> bool:
        """True when a Clip's bounds (opset 11+ inputs, or older attributes) are ``low`` and ``high``."""
        if len(clip.input) == 3:
            return self._scalar(clip.input[1]) == low and self._scalar(clip.input[2]) == high
        attributes = {a.name: a.f for a in clip.attribute}
        return attributes.get("min") == low and attributes.get("max") == high


def op_counts(model_bytes: bytes) -> Counter[str]:
    """How many computing nodes of each type a serialised model has (Constant nodes left out)."""
    return Counter(node.op_type for node in parse_model(model_bytes).graph.node if node.op_type != "Constant")
