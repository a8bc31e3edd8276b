"""The core enums mirror the proto enums name for name and value for value, so conversion is a cast."""

from __future__ import annotations

import enum
import re

import pytest

from clearmark.core import enums
from clearmark.v1 import types_pb2

CORE_ENUMS = [value for value in vars(enums).values() if isinstance(value, type) and issubclass(value, enum.IntEnum)]


def _prefix(name: str) -> str:
    """``AppliedLabel`` -> ``APPLIED_LABEL_``: the proto style prefix of an enum's values."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper() + "_"


@pytest.mark.parametrize("core", CORE_ENUMS, ids=lambda e: e.__name__)
def test_core_enum_mirrors_the_proto_enum(core: type[enum.IntEnum]) -> None:
    proto = types_pb2.DESCRIPTOR.enum_types_by_name[core.__name__]
    prefix = _prefix(core.__name__)
    proto_values = {v.name.removeprefix(prefix) if v.number else v.name: v.number for v in proto.values}
    assert {member.name: int(member) for member in core} == proto_values


def test_every_proto_enum_has_a_core_twin() -> None:
    assert set(types_pb2.DESCRIPTOR.enum_types_by_name) <= {e.__name__ for e in CORE_ENUMS}
