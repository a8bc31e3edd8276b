"""The OCR model rewrite on small graphs built with the onnx package: each fold keeps the function, others stay."""

from __future__ import annotations

import numpy as np
import onnxruntime
import pytest

from clearmark.detectors.ocr_graph import RewriteCounts, op_counts, rewrite_ocr_model

onnx = pytest.importorskip("onnx")  # the test extra: an independent writer of ONNX graphs
TensorProto, helper, numpy_helper = onnx.TensorProto, onnx.helper, onnx.numpy_helper


def _constant(name: str, value: np.ndarray):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value.astype(np.float32), name))


def _scalar(name: str, value: float):
    return _constant(name, np.array([value]))


def _conv(name: str, source: str, weight: np.ndarray, *, pads: int = 0, group: int = 1) -> list:
    """A Conv with constant weight and bias (bias 0.1 per output channel)."""
    kernel = weight.shape[2]
    return [
        _constant(f"{name}.w", weight),
        _constant(f"{name}.b", np.full(weight.shape[0], 0.1)),
        helper.make_node(
            "Conv",
            [source, f"{name}.w", f"{name}.b"],
            [name],
            kernel_shape=[kernel, kernel],
            pads=[pads] * 4,
            group=group,
        ),
    ]


def _affine(name: str, source: str, scale: float, shift: float) -> list:
    """paddle2onnx's learnable affine block: Mul by a scalar (constant first), then Add a scalar."""
    return [
        _scalar(f"{name}.s", scale),
        helper.make_node("Mul", [f"{name}.s", source], [f"{name}.scaled"]),
        _scalar(f"{name}.t", shift),
        helper.make_node("Add", [f"{name}.scaled", f"{name}.t"], [name]),
    ]


def _hard_swish(name: str, source: str) -> list:
    """paddle2onnx's hard-swish: x * clip(x + 3, 0, 6) / 6."""
    return [
        _scalar(f"{name}.three", 3.0),
        helper.make_node("Add", [source, f"{name}.three"], [f"{name}.shifted"]),
        _constant(f"{name}.zero", np.array(0.0)),
        _constant(f"{name}.six", np.array(6.0)),
        helper.make_node("Clip", [f"{name}.shifted", f"{name}.zero", f"{name}.six"], [f"{name}.clipped"]),
        helper.make_node("Mul", [source, f"{name}.clipped"], [f"{name}.product"]),
        _scalar(f"{name}.sixth", 6.0),
        helper.make_node("Div", [f"{name}.product", f"{name}.sixth"], [name]),
    ]


def _model(nodes: list, output: str) -> bytes:
    graph = helper.make_graph(
        nodes,
        "block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 9, 11])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["n", "c", "h", "w"])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)]).SerializeToString()


def _run(model: bytes, x: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def _weights(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.5, shape).astype(np.float32)


def _pplcnet_block() -> list:
    """Conv, affine, hard-swish, affine, padded depthwise Conv, affine, hard-swish, affine, 1x1 Conv."""
    return [
        *_conv("c1", "x", _weights(1, (4, 3, 3, 3)), pads=1),
        *_affine("a1", "c1", 1.38, 0.59),
        *_hard_swish("h1", "a1"),
        *_affine("a2", "h1", 0.17, -0.2),
        *_conv("c2", "a2", _weights(2, (4, 1, 3, 3)), pads=1, group=4),
        *_affine("a3", "c2", 2.1, 1.05),
        *_hard_swish("h2", "a3"),
        *_affine("a4", "h2", 0.41, -0.28),
        *_conv("c3", "a4", _weights(3, (5, 4, 1, 1))),
    ]


def _input(seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 2.0, (1, 3, 9, 11)).astype(np.float32)


def test_a_pplcnet_block_rewrites_into_convs_and_hard_sigmoids_with_the_same_output() -> None:
    original = _model(_pplcnet_block(), "c3")
    rewritten, counts = rewrite_ocr_model(original)
    assert counts == RewriteCounts(
        conv_affines=2,
        affines_into_conv=1,
        scales_into_padded_conv=0,
        affines_as_depthwise=1,
        hard_swishes=2,
        residual_gates=0,
        transposed_conv_folds=0,
    )
    ops = op_counts(rewritten)
    # three Convs, the shift before the padded one as a 1x1 depthwise Conv, two x * HardSigmoid(x)
    assert ops == {"Conv": 4, "HardSigmoid": 2, "Mul": 2}
    np.testing.assert_allclose(_run(rewritten, _input()), _run(original, _input()), rtol=1e-5, atol=1e-5)


def test_the_shift_before_a_padded_conv_keeps_the_border_exact() -> None:
    # Folding b into the padded Conv's bias would be wrong on the border, where the padding adds zeros
    # instead of b: a large shift makes any such error far above float rounding.
    nodes = [*_affine("a", "x", 0.5, 40.0), *_conv("c", "a", _weights(4, (2, 3, 3, 3)), pads=1)]
    original = _model(nodes, "c")
    rewritten, counts = rewrite_ocr_model(original)
    assert counts.affines_into_conv == 0 and counts.affines_as_depthwise == 1
    np.testing.assert_allclose(_run(rewritten, _input()), _run(original, _input()), rtol=1e-5, atol=1e-4)


def test_a_bare_scale_folds_into_a_padded_conv() -> None:
    nodes = [*_affine("a", "x", 0.5, 0.0)[:2], *_conv("c", "a.scaled", _weights(5, (2, 3, 3, 3)), pads=1)]
    original = _model(nodes, "c")
    rewritten, counts = rewrite_ocr_model(original)
    assert counts.scales_into_padded_conv == 1 and op_counts(rewritten) == {"Conv": 1}
    np.testing.assert_allclose(_run(rewritten, _input()), _run(original, _input()), rtol=1e-5, atol=1e-5)


def test_shared_intermediates_and_other_clips_are_left_alone() -> None:
    nodes = [
        *_conv("c1", "x", _weights(6, (4, 3, 1, 1))),
        *_affine("a1", "c1", 1.5, 0.5),
        # the Conv's output is read again: the affine cannot fold into it
        helper.make_node("Add", ["c1", "a1"], ["sum"]),
        # a ReLU6 (clip without the x * .../6 around it) is not a hard-swish
        _constant("zero", np.array(0.0)),
        _constant("six", np.array(6.0)),
        helper.make_node("Clip", ["sum", "zero", "six"], ["relu6"]),
    ]
    original = _model(nodes, "relu6")
    rewritten, counts = rewrite_ocr_model(original)
    assert counts == RewriteCounts(0, 0, 0, 0, 0, 0, 0)
    assert op_counts(rewritten) == {"Conv": 1, "Mul": 1, "Add": 2, "Clip": 1}


def test_a_residual_gate_becomes_one_clip_and_one_mul() -> None:
    nodes = [
        *_conv("x1", "x", _weights(8, (4, 3, 1, 1))),
        helper.make_node("GlobalAveragePool", ["x1"], ["pooled"]),
        *_conv("squeeze", "pooled", _weights(9, (4, 4, 1, 1))),
        helper.make_node("HardSigmoid", ["squeeze"], ["gate"], alpha=0.2, beta=0.5),
        helper.make_node("Mul", ["x1", "gate"], ["gated"]),
        helper.make_node("Add", ["x1", "gated"], ["out"]),
    ]
    original = _model(nodes, "out")
    rewritten, counts = rewrite_ocr_model(original)
    assert counts.residual_gates == 1
    assert op_counts(rewritten) == {"Conv": 2, "GlobalAveragePool": 1, "Clip": 1, "Mul": 1}
    np.testing.assert_allclose(_run(rewritten, _input()), _run(original, _input()), rtol=1e-5, atol=1e-5)


def test_a_transposed_conv_absorbs_its_bias_add_and_batch_norm() -> None:
    rng = np.random.default_rng(10)
    nodes = [
        _constant("up.w", _weights(12, (3, 2, 2, 2))),
        helper.make_node("ConvTranspose", ["x", "up.w"], ["up"], kernel_shape=[2, 2], strides=[2, 2]),
        _constant("up.b", np.array([0.3, -0.2]).reshape(1, 2, 1, 1)),
        helper.make_node("Add", ["up", "up.b"], ["biased"]),
        *[_constant(f"bn.{p}", rng.uniform(0.5, 1.5, 2)) for p in ("scale", "bias", "mean", "var")],
        helper.make_node(
            "BatchNormalization", ["biased", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["out"], epsilon=1e-5
        ),
    ]
    original = _model(nodes, "out")
    rewritten, counts = rewrite_ocr_model(original)
    assert counts.transposed_conv_folds == 1 and op_counts(rewritten) == {"ConvTranspose": 1}
    np.testing.assert_allclose(_run(rewritten, _input()), _run(original, _input()), rtol=1e-5, atol=1e-5)


def test_the_rewrite_is_deterministic() -> None:
    original = _model(_pplcnet_block(), "c3")
    assert rewrite_ocr_model(original)[0] == rewrite_ocr_model(original)[0]
