"""The part of ONNX's protobuf schema the OCR graph rewrite reads and writes, without the onnx package.

ONNX models are protobuf messages (``onnx/onnx.proto``, proto2). Only the fields the rewrite touches
are declared here, with ONNX's field numbers and encodings; every other field (value types, metadata,
the character list of the recogniser...) parses as an unknown field and is written back unchanged.
The ``onnx`` package itself is not needed at run time: importing it costs over a second of start-up
(its ``ml_dtypes`` dependency), which every service worker would pay.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

FLOAT_TENSOR = 1  # TensorProto.DataType.FLOAT
FLOAT_ATTRIBUTE, INT_ATTRIBUTE, INTS_ATTRIBUTE = 1, 2, 7  # AttributeProto.AttributeType

_OPTIONAL = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
_REPEATED = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
_T = descriptor_pb2.FieldDescriptorProto
# message -> (field name, number, label, type, message type name or None, packed)
_SCHEMA: dict[str, list[tuple[str, int, int, int, str | None, bool]]] = {
    "TensorProto": [
        ("dims", 1, _REPEATED, _T.TYPE_INT64, None, False),
        ("data_type", 2, _OPTIONAL, _T.TYPE_INT32, None, False),
        ("float_data", 4, _REPEATED, _T.TYPE_FLOAT, None, True),
        ("name", 8, _OPTIONAL, _T.TYPE_STRING, None, False),
        ("raw_data", 9, _OPTIONAL, _T.TYPE_BYTES, None, False),
    ],
    "AttributeProto": [
        ("name", 1, _OPTIONAL, _T.TYPE_STRING, None, False),
        ("f", 2, _OPTIONAL, _T.TYPE_FLOAT, None, False),
        ("i", 3, _OPTIONAL, _T.TYPE_INT64, None, False),
        ("s", 4, _OPTIONAL, _T.TYPE_BYTES, None, False),
        ("t", 5, _OPTIONAL, _T.TYPE_MESSAGE, "TensorProto", False),
        ("ints", 8, _REPEATED, _T.TYPE_INT64, None, False),
        ("type", 20, _OPTIONAL, _T.TYPE_INT32, None, False),
    ],
    "NodeProto": [
        ("input", 1, _REPEATED, _T.TYPE_STRING, None, False),
        ("output", 2, _REPEATED, _T.TYPE_STRING, None, False),
        ("name", 3, _OPTIONAL, _T.TYPE_STRING, None, False),
        ("op_type", 4, _OPTIONAL, _T.TYPE_STRING, None, False),
        ("attribute", 5, _REPEATED, _T.TYPE_MESSAGE, "AttributeProto", False),
        ("domain", 7, _OPTIONAL, _T.TYPE_STRING, None, False),
    ],
    "ValueInfoProto": [("name", 1, _OPTIONAL, _T.TYPE_STRING, None, False)],
    "GraphProto": [
        ("node", 1, _REPEATED, _T.TYPE_MESSAGE, "NodeProto", False),
        ("initializer", 5, _REPEATED, _T.TYPE_MESSAGE, "TensorProto", False),
        ("output", 12, _REPEATED, _T.TYPE_MESSAGE, "ValueInfoProto", False),
    ],
    "ModelProto": [("graph", 7, _OPTIONAL, _T.TYPE_MESSAGE, "GraphProto", False)],
}
_PACKAGE = "clearmark.onnx_subset"  # not "onnx": no clash with the onnx package's own descriptors


@functools.cache
def _classes() -> dict[str, Any]:
    """The message classes, built once in a private descriptor pool."""
    file = descriptor_pb2.FileDescriptorProto(name="clearmark/onnx_subset.proto", package=_PACKAGE, syntax="proto2")
    for message_name, fields in _SCHEMA.items():
        message = file.message_type.add(name=message_name)
        for name, number, label, kind, type_name, packed in fields:
            field = message.field.add(name=name, number=number, label=label, type=kind)
            if type_name:
                field.type_name = f".{_PACKAGE}.{type_name}"
            if packed:
                field.options.packed = True
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{name}")) for name in _SCHEMA}


def parse_model(model_bytes: bytes) -> Any:
    """A ``ModelProto`` (the declared subset; the rest kept as unknown fields)."""
    return _classes()["ModelProto"].FromString(model_bytes)


def float_array(tensor: Any) -> np.ndarray | None:
    """A float32 tensor's values (raw or listed), else None."""
    if tensor.data_type != FLOAT_TENSOR:
        return None
    shape = tuple(tensor.dims)
    if tensor.raw_data:
        return np.frombuffer(tensor.raw_data, dtype="<f4").astype(np.float32).reshape(shape)
    return np.array(tensor.float_data, dtype=np.float32).reshape(shape)


def float_tensor(name: str, values: np.ndarray) -> Any:
    """A float32 ``TensorProto`` named ``name`` holding ``values`` (raw little-endian data)."""
    array = np.ascontiguousarray(values, dtype="<f4")
    return _classes()["TensorProto"](name=name, dims=array.shape, data_type=FLOAT_TENSOR, raw_data=array.tobytes())


def make_node(op_type: str, inputs: list[str], outputs: list[str], **attributes: float | int | list[int]) -> Any:
    """A ``NodeProto`` of the default domain with float, int and int-list attributes (sorted by name)."""
    classes = _classes()
    node = classes["NodeProto"](op_type=op_type, input=inputs, output=outputs)
    for name in sorted(attributes):
        value = attributes[name]
        if isinstance(value, list):
            node.attribute.append(classes["AttributeProto"](name=name, ints=value, type=INTS_ATTRIBUTE))
        elif isinstance(value, float):
            node.attribute.append(classes["AttributeProto"](name=name, f=value, type=FLOAT_ATTRIBUTE))
        else:
            node.attribute.append(classes["AttributeProto"](name=name, i=value, type=INT_ATTRIBUTE))
    return node
