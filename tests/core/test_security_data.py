"""TC260 SecurityData: SM2-with-SM3 signatures over the label's fields, written and checked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from clearmark.core.aigc import AigcLabel, is_valid_field_value, label_problems
from clearmark.core.security_data import (
    PRODUCER_FIELDS,
    SecurityDataError,
    Sm2PublicKey,
    Sm2Signer,
    Verdict,
    build_security_data,
    check_security_data,
    fields_message,
)

PRODUCER = "001191440300708461136T1XGW3"
LABEL = AigcLabel("1", PRODUCER, "CM-1", "", PRODUCER, "CM-1", "")


@pytest.fixture(scope="module")
def signer() -> Sm2Signer:
    return Sm2Signer.generate()


@pytest.fixture(scope="module")
def signed(signer: Sm2Signer) -> AigcLabel:
    return replace(LABEL, reserved_code1=build_security_data(signer, fields_message(LABEL, PRODUCER_FIELDS)))


def test_the_signed_message_is_the_fields_as_they_stand_in_the_label() -> None:
    assert (
        fields_message(LABEL, PRODUCER_FIELDS)
        == f'"Label":"1","ContentProducer":"{PRODUCER}","ProduceID":"CM-1"'.encode()
    )


def test_security_data_is_a_conforming_field_value(signed: AigcLabel) -> None:
    assert is_valid_field_value(signed.reserved_code1)
    assert label_problems(signed) == []


def test_verdicts(signer: Sm2Signer, signed: AigcLabel) -> None:
    assert check_security_data(signed, "ReservedCode1").verdict is Verdict.VERIFIED_EMBEDDED
    assert check_security_data(signed, "ReservedCode1", {PRODUCER: signer.public}).verdict is Verdict.VERIFIED_PINNED
    altered = replace(signed, produce_id="CM-2")
    assert check_security_data(altered, "ReservedCode1").verdict is Verdict.FAILED
    someone_else = Sm2Signer.generate().public
    assert check_security_data(signed, "ReservedCode1", {PRODUCER: someone_else}).verdict is Verdict.WRONG_KEY
    assert check_security_data(signed, "ReservedCode2") is None
    assert check_security_data(replace(LABEL, reserved_code1="opaque-vendor-hash"), "ReservedCode1") is None


def test_another_algorithm_is_unsupported(signed: AigcLabel) -> None:
    other = signed.reserved_code1.replace(
        '"AlgID":"1.2.156.10197.1.501","TBSData"', '"AlgID":"1.2.840.113549.1.1.11","TBSData"'
    )
    assert check_security_data(replace(signed, reserved_code1=other), "ReservedCode1").verdict is Verdict.UNSUPPORTED


def test_key_forms(signer: Sm2Signer, tmp_path: Path) -> None:
    for form in (signer.public.spki_hex, "04" + signer.public.xy.hex(), signer.public.xy.hex()):
        assert Sm2PublicKey.from_hex(form) == signer.public
    with pytest.raises(SecurityDataError):
        Sm2PublicKey.from_hex("zz")
    key_file = tmp_path / "sm2.key"
    key_file.write_text(f"# producer key\n{signer.private_hex}\n")
    assert Sm2Signer.from_file(key_file).public == signer.public
    assert signer.private_hex not in repr(signer)
    with pytest.raises(SecurityDataError):
        Sm2Signer.from_hex("00" * 32)


def test_a_real_producers_security_data_is_parsed_and_reported_not_crashed() -> None:
    # ReservedCode1 as a StepFun Markdown report ships it (label fields copied from a public file found
    # with the search tool). Its signed-content selection is not the guide's Appendix A.1 one we
    # implement, so it must end as a verdict, never an exception.
    real = (
        '{"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[{"Type":"DS","AlgID":"1.2.156.10197.1.501",'
        '"TBSData":{"Type":"LabelMataData"},"Signature":"3046022100AE6B84B3342128AE301A597596FCD9EECF3EA0FC2DB6C'
        '250BAF234E167298E9002210097223ABB647B786A90D0A1B93CB9382EA879563B2C7F025FA006BE16AE926C14"},{"Type":"P'
        'ubKey","AlgID":"1.2.156.10197.1.501","KeyValue":"3059301306072A8648CE3D020106082A811CCF5501822D0342000'
        "45728F08C58D9C72150A705693EF7337859F8FF216E802630041AFAE5C036F0A67CB1FDF8C57F5F8B623284AE09E4E545464B71"
        '40B26BBDA51BAE965F854C57AA"}]}}'
    )
    label = AigcLabel("1", "001191310104MACE0YX63918020", "142569260085903360", real)
    check = check_security_data(label, "ReservedCode1")
    assert check is not None and check.verdict in (Verdict.FAILED, Verdict.VERIFIED_EMBEDDED)
    assert is_valid_field_value(real)
