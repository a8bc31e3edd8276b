"""TC260 SecurityData: SM2-with-SM3 signatures over the label's fields, written and checked."""

from __future__ import annotations

import json
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


# Two StepFun Markdown reports' front matter (public files found with the search tool): the same
# producer key, ReservedCode1 signed over the SM3 digest of the Appendix A.1 fields text.
STEPFUN_KEY = (
    "3059301306072A8648CE3D020106082A811CCF5501822D034200045728F08C58D9C72150A705693EF7337859F8FF216E8026"
    "30041AFAE5C036F0A67CB1FDF8C57F5F8B623284AE09E4E545464B7140B26BBDA51BAE965F854C57AA"
)
STEPFUN_RC1 = (
    (
        "147392816552226816",
        "3045022100E816A5872275AE5414E7E0FD3D9B2C30F7B7FD68609D6486A38DF7CFAA1417B902201A510FBBE50819BAFF1FC"
        "C7B8527FF23CD40447D41A6776E6BCF1F773AE0DBBC",
    ),
    (
        "142569260085903360",
        "3046022100AE6B84B3342128AE301A597596FCD9EECF3EA0FC2DB6C250BAF234E167298E9002210097223ABB647B786A90D"
        "0A1B93CB9382EA879563B2C7F025FA006BE16AE926C14",
    ),
)


def _stepfun_security_data(signature: str) -> str:
    return json.dumps(
        {
            "SecurityData": {
                "Type": "TC260PG",
                "Version": 1,
                "PubSD": [
                    {
                        "Type": "DS",
                        "AlgID": "1.2.156.10197.1.501",
                        "TBSData": {"Type": "LabelMataData"},
                        "Signature": signature,
                    },
                    {"Type": "PubKey", "AlgID": "1.2.156.10197.1.501", "KeyValue": STEPFUN_KEY},
                ],
            }
        },
        separators=(",", ":"),
    )


@pytest.mark.parametrize(("produce_id", "signature"), STEPFUN_RC1)
def test_stepfuns_real_signatures_verify_over_the_sm3_digest_of_the_fields(produce_id: str, signature: str) -> None:
    label = AigcLabel("1", "001191310104MACE0YX63918020", produce_id, _stepfun_security_data(signature))
    check = check_security_data(label, "ReservedCode1")
    assert check is not None and check.verdict is Verdict.VERIFIED_EMBEDDED and check.form == "sm3_digest"
    pinned = {"001191310104MACE0YX63918020": Sm2PublicKey.from_hex(STEPFUN_KEY)}
    assert check_security_data(label, "ReservedCode1", pinned).verdict is Verdict.VERIFIED_PINNED
    altered = AigcLabel("1", "001191310104MACE0YX63918020", produce_id + "0", _stepfun_security_data(signature))
    assert check_security_data(altered, "ReservedCode1").verdict is Verdict.FAILED


def test_a_real_producers_security_data_is_parsed_and_reported_not_crashed() -> None:
    # ReservedCode1 exactly as a StepFun Markdown report ships it: a charset-valid field, and a verdict.
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
    assert check is not None and check.verdict is Verdict.VERIFIED_EMBEDDED
    assert is_valid_field_value(real)


def test_a_public_point_whose_hex_starts_with_04_signs_and_verifies() -> None:
    # gmssl's constructor lstrip("04")s the key: the scalar 11's point begins 04b3cb..., which it
    # used to mangle (about 1 key in 250 failed, or signing raised on odd-length hex).
    signer = Sm2Signer.from_hex(f"{11:064x}")
    assert signer.public.xy.hex().startswith("04")
    label = replace(LABEL, reserved_code1=build_security_data(signer, fields_message(LABEL, PRODUCER_FIELDS)))
    assert check_security_data(label, "ReservedCode1").verdict is Verdict.VERIFIED_EMBEDDED


# The two reports' ReservedCode2, same key as their ReservedCode1 (issue 10: no content found that it signs).
STEPFUN_RC2 = {
    "147392816552226816": "3046022100FEBE29497FA9E249C18918CF9D36A7F13E5AE2FFDEF184F7E5E1572CDD60C3370221009C21182427A0"
    "860A85F9BDBBFC92BF784DAB92DCA375EA692B91FAB71F1334D9",
    "142569260085903360": "3046022100CFB0BFFC83C97AA5B09493295A7A054C082BBBB0E007AC139ACAA3BCD23D62DF022100FFDF70599E0E"
    "5D7DC6727825C5717DE0A9726D9F3119611E5E303FADA8792A5C",
}


def _stepfun_label(produce_id: str, rc1: str, rc2: str) -> AigcLabel:
    code = "001191310104MACE0YX63918020"
    return AigcLabel("1", code, produce_id, _stepfun_security_data(rc1), code, produce_id, _stepfun_security_data(rc2))


@pytest.mark.parametrize(("produce_id", "rc1"), STEPFUN_RC1)
def test_stepfuns_reserved_code2_is_unverifiable_not_forged(produce_id: str, rc1: str) -> None:
    """Its signed content is undocumented: the auditor is told so, with the reason, and the producer
    signature beside it still verifies."""
    label = _stepfun_label(produce_id, rc1, STEPFUN_RC2[produce_id])
    check = check_security_data(label, "ReservedCode2")
    assert check is not None and check.verdict is Verdict.UNVERIFIABLE
    assert "LabelMataData" in check.reason and check.key_hex == Sm2PublicKey.from_hex(STEPFUN_KEY).spki_hex
    assert check_security_data(label, "ReservedCode1").verdict is Verdict.VERIFIED_EMBEDDED


def test_where_the_signed_content_is_documented_a_mismatch_is_still_failed() -> None:
    """The same bytes under the guide's "Md" type (both fields documented) fail; so does a StepFun
    ReservedCode1 with a field altered, and an undocumented-type signature that is not DER at all."""
    produce_id, rc1 = STEPFUN_RC1[0]
    md = _stepfun_label(produce_id, rc1, STEPFUN_RC2[produce_id])
    md = replace(md, reserved_code2=md.reserved_code2.replace("LabelMataData", "Md"))
    assert check_security_data(md, "ReservedCode2").verdict is Verdict.FAILED
    altered = replace(_stepfun_label(produce_id, rc1, STEPFUN_RC2[produce_id]), produce_id="1")
    assert check_security_data(altered, "ReservedCode1").verdict is Verdict.FAILED
    garbage = _stepfun_label(produce_id, rc1, "00FF")
    assert check_security_data(garbage, "ReservedCode2").verdict is Verdict.FAILED
