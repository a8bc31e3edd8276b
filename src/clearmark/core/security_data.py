"""TC260 SecurityData in ReservedCode1/2: SM2-with-SM3 signatures over the label fields (TC260-PG-202511A).

Form (as producers ship it): ``{"SecurityData":{"Type":"TC260PG","Version":1,"PubSD":[{"Type":"DS",
"AlgID":"1.2.156.10197.1.501","TBSData":{"Type":"Md"},"Signature":"<DER hex>"},{"Type":"PubKey",
"AlgID":"1.2.156.10197.1.501","KeyValue":"<SubjectPublicKeyInfo DER hex>"}]}}``. The signed message is
the producer's fields as they stand in the label, ``"Label":"1","ContentProducer":"…","ProduceID":"…"``
(the propagator's for ReservedCode2). A key that travels in the file proves integrity, not origin:
origin needs a pinned key per producer code. SM2/SM3 come from ``gmssl`` (pure Python).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl import func, sm2, sm3

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import ClearMarkError

SM3_WITH_SM2 = "1.2.156.10197.1.501"
TYPE = "TC260PG"
LABEL_TBS_TYPES = frozenset({"Md", "LabelMataData"})  # the guide's name, and one producer's spelling
# Per TBSData type, the fields whose signed content is known (one of SIGNED_FORMS over the party's
# fields): a signature there that verifies under no form is FAILED. Elsewhere it is UNVERIFIABLE: a
# real producer's signature over content nobody has documented must not read as a forgery. "Md" is
# the guide's (Appendix A.1, both parties). "LabelMataData" is StepFun's own type: its ReservedCode1
# verifies as the SM3 digest of the producer fields; its ReservedCode2 (same key) matched none of 144
# candidate contents x 4 digest forms tried (the seven fields' subsets, ReservedCode1's JSON and
# signature, JSON/YAML/joined renderings of the propagator fields; issue 10) and is undocumented.
KNOWN_CONTENT: dict[str, frozenset[str]] = {
    "Md": frozenset({"ReservedCode1", "ReservedCode2"}),
    "LabelMataData": frozenset({"ReservedCode1"}),
}
# SubjectPublicKeyInfo of an SM2 point: id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
_SPKI_PREFIX = bytes.fromhex("3059301306072A8648CE3D020106082A811CCF5501822D03420004")
PRODUCER_FIELDS = ("Label", "ContentProducer", "ProduceID")
PROPAGATOR_FIELDS = ("ContentPropagator", "PropagateID")


def _sm3(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


# What a producer hands SM2 (which hashes ZA || it with SM3) for the signed fields, by name. Ours and
# the guide's Appendix A.1 sign the fields text itself; StepFun's real outputs (two public Markdown
# reports, ReservedCode1) sign its SM3 digest. Verification tries each form; Stamp writes the first.
SIGNED_FORMS: dict[str, Callable[[bytes], bytes]] = {
    "appendix_a1": lambda message: message,
    "sm3_digest": _sm3,
}


class SecurityDataError(ClearMarkError):
    """An SM2 key that cannot be used (malformed file, wrong length)."""

    default_reason = "BAD_SM2_KEY"


class Verdict(StrEnum):
    """What checking a SecurityData signature concluded."""

    VERIFIED_PINNED = "verified_pinned"  # valid under the key pinned for this producer code
    VERIFIED_EMBEDDED = "verified_embedded"  # valid under the key it carries; no pinned key to prove origin
    FAILED = "failed"  # does not verify: the fields were altered, or the signature forged
    WRONG_KEY = "wrong_key"  # valid under its own key, but a different key is pinned for this producer
    UNSUPPORTED = "unsupported"  # another algorithm or signed-content selection
    # well-formed, but what the signer signed for this field is undocumented (KNOWN_CONTENT): neither
    # verified nor shown to be altered
    UNVERIFIABLE = "unverifiable"


def _crypt_sm2(private_hex: str | None, xy: bytes) -> sm2.CryptSM2:
    """gmssl's SM2 object for a key pair, with the public point set as given.

    gmssl 3.2.2's constructor strips a leading ``04`` with ``str.lstrip("04")``, which also eats the
    leading ``0``/``4`` hex digits of a bare x||y point (about 1 key in 250): signatures then fail to
    verify, or signing raises on an odd-length hex string. The point is therefore set afterwards.
    """
    crypt = sm2.CryptSM2(private_key=private_hex, public_key="")
    crypt.public_key = xy.hex()
    return crypt


@dataclass(frozen=True)
class Sm2PublicKey:
    """An SM2 public point, as 64 bytes x||y."""

    xy: bytes

    @classmethod
    def from_hex(cls, text: str) -> Sm2PublicKey:
        """From SubjectPublicKeyInfo DER, an uncompressed point (04||x||y) or bare x||y, in hex.

        Raises:
            SecurityDataError: none of those forms.
        """
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise SecurityDataError("SM2 public key is not hex") from None
        if raw.startswith(_SPKI_PREFIX):
            raw = raw[len(_SPKI_PREFIX) :]
        elif len(raw) == 65 and raw[0] == 4:
            raw = raw[1:]
        if len(raw) != 64:
            raise SecurityDataError(f"SM2 public key has {len(raw)} bytes of point, expected 64")
        return cls(raw)

    @property
    def spki_hex(self) -> str:
        """The SubjectPublicKeyInfo DER in upper-case hex, as ``KeyValue`` carries it."""
        return (_SPKI_PREFIX + self.xy).hex().upper()

    def verify(self, message: bytes, signature_der: bytes) -> bool:
        """SM2 verification with SM3 over ZA (default user id) and ``message``."""
        try:
            r, s = decode_dss_signature(signature_der)
        except ValueError:
            return False
        verifier = _crypt_sm2(None, self.xy)
        try:
            return bool(verifier.verify_with_sm3(f"{r:064x}{s:064x}", message))
        except (ValueError, TypeError, IndexError):
            return False


@dataclass(frozen=True, repr=False)
class Sm2Signer:
    """A producer's SM2 private key and its public point; never logged."""

    private_hex: str
    public: Sm2PublicKey

    def __repr__(self) -> str:
        return f"Sm2Signer(public={self.public.spki_hex[-16:]}…)"

    @classmethod
    def from_file(cls, path: Path) -> Sm2Signer:
        """A key file holding the 32-byte private scalar in hex (one line; ``#`` comments allowed).

        Raises:
            SecurityDataError: unreadable, not hex, or out of range.
        """
        try:
            lines = [line.strip() for line in path.read_text().splitlines()]
        except OSError as exc:
            raise SecurityDataError(f"SM2 key file cannot be read: {exc.strerror}") from None
        text = "".join(line for line in lines if line and not line.startswith("#"))
        return cls.from_hex(text)

    @classmethod
    def from_hex(cls, private_hex: str) -> Sm2Signer:
        """Raises SecurityDataError for a malformed scalar."""
        try:
            scalar = int(private_hex, 16)
        except ValueError:
            raise SecurityDataError("SM2 private key is not hex") from None
        curve = sm2.default_ecc_table
        if not 0 < scalar < int(curve["n"], 16) or len(private_hex) != 64:
            raise SecurityDataError("SM2 private key is not a 32-byte scalar within the curve order")
        point = sm2.CryptSM2(private_key=private_hex, public_key="")._kg(scalar, curve["g"])
        return cls(private_hex.lower(), Sm2PublicKey(bytes.fromhex(point)))

    @classmethod
    def generate(cls) -> Sm2Signer:
        """A fresh key (development and tests)."""
        order = int(sm2.default_ecc_table["n"], 16)
        return cls.from_hex(f"{secrets.randbelow(order - 1) + 1:064x}")

    def sign(self, message: bytes) -> bytes:
        """The DER signature of ``message`` (SM3 over ZA and the message, default user id)."""
        signer = _crypt_sm2(self.private_hex, self.public.xy)
        order = int(sm2.default_ecc_table["n"], 16)
        raw = signer.sign_with_sm3(message, f"{secrets.randbelow(order - 1) + 1:064x}")
        return encode_dss_signature(int(raw[:64], 16), int(raw[64:], 16))


def fields_message(label: AigcLabel, names: tuple[str, ...]) -> bytes:
    """The signed text: ``"Name":"value"`` pairs as they stand in the label's JSON, comma-joined."""
    values = label.as_ordered_dict()
    return ",".join(f"{json.dumps(name)}:{json.dumps(values[name], ensure_ascii=False)}" for name in names).encode()


def build_security_data(signer: Sm2Signer, message: bytes) -> str:
    """The compact SecurityData JSON for one signature and its public key."""
    document = {
        "SecurityData": {
            "Type": TYPE,
            "Version": 1,
            "PubSD": [
                {
                    "Type": "DS",
                    "AlgID": SM3_WITH_SM2,
                    "TBSData": {"Type": "Md"},
                    "Signature": signer.sign(message).hex().upper(),
                },
                {"Type": "PubKey", "AlgID": SM3_WITH_SM2, "KeyValue": signer.public.spki_hex},
            ],
        }
    }
    return json.dumps(document, separators=(",", ":"))


@dataclass(frozen=True)
class SecurityCheck:
    """The outcome of checking one ReservedCode's SecurityData."""

    field: str  # ReservedCode1 / ReservedCode2
    verdict: Verdict
    key_hex: str = ""
    form: str = ""  # which SIGNED_FORMS entry verified ("" when none did)
    reason: str = ""  # for UNVERIFIABLE: why no verdict on the content could be reached


def check_security_data(
    label: AigcLabel, field: str, pinned: dict[str, Sm2PublicKey] | None = None
) -> SecurityCheck | None:
    """Check ``ReservedCode1`` (producer) or ``ReservedCode2`` (propagator); None when it holds no SecurityData.

    ``pinned`` maps party codes to their keys: a signature valid only under another key is WRONG_KEY.
    """
    values = label.as_ordered_dict()
    try:
        document = json.loads(values[field])
    except (ValueError, RecursionError):
        return None
    security = document.get("SecurityData") if isinstance(document, dict) else None
    if not isinstance(security, dict) or security.get("Type") != TYPE:
        return None
    entries = [e for e in security.get("PubSD", security.get("PubSd", [])) or [] if isinstance(e, dict)]
    keys = [e.get("KeyValue", "") for e in entries if e.get("Type") == "PubKey" and e.get("AlgID") == SM3_WITH_SM2]
    signatures = [e for e in entries if e.get("Type") == "DS"]
    names = PRODUCER_FIELDS if field == "ReservedCode1" else PROPAGATOR_FIELDS
    party = values["ContentProducer" if field == "ReservedCode1" else "ContentPropagator"]
    message = fields_message(label, names)
    pinned_key = (pinned or {}).get(party)
    supported = [
        e
        for e in signatures
        if e.get("AlgID") == SM3_WITH_SM2 and (e.get("TBSData") or {}).get("Type") in LABEL_TBS_TYPES
    ]
    if not supported:
        return SecurityCheck(field, Verdict.UNSUPPORTED)
    well_formed: list[tuple[str, str]] = []  # (TBSData type, key) of signatures that parse, under a key that parses
    for entry in supported:
        try:
            signature = bytes.fromhex(str(entry.get("Signature", "")))
        except ValueError:
            continue
        for form, signed in SIGNED_FORMS.items():
            if pinned_key is not None and pinned_key.verify(signed(message), signature):
                return SecurityCheck(field, Verdict.VERIFIED_PINNED, pinned_key.spki_hex, form)
            for key_hex in keys:
                try:
                    key = Sm2PublicKey.from_hex(str(key_hex))
                except SecurityDataError:
                    continue
                if key.verify(signed(message), signature):
                    verdict = Verdict.WRONG_KEY if pinned_key is not None else Verdict.VERIFIED_EMBEDDED
                    return SecurityCheck(field, verdict, key.spki_hex, form)
        key = pinned_key or _first_key(keys)
        if key is not None and _is_der_signature(signature):
            well_formed.append(((entry.get("TBSData") or {}).get("Type"), key.spki_hex))
    unknown = [(tbs, key) for tbs, key in well_formed if field not in KNOWN_CONTENT.get(tbs, frozenset())]
    if unknown:
        tbs, key_hex = unknown[0]
        reason = (
            f"TBSData type {tbs!r} does not document what {field} signs; the signature is well-formed, "
            f"but verifies over none of the known contents ({', '.join(SIGNED_FORMS)} of the "
            f"{'producer' if field == 'ReservedCode1' else 'propagator'} fields)"
        )
        return SecurityCheck(field, Verdict.UNVERIFIABLE, key_hex, reason=reason)
    return SecurityCheck(field, Verdict.FAILED)


def _first_key(keys: list[object]) -> Sm2PublicKey | None:
    for key_hex in keys:
        try:
            return Sm2PublicKey.from_hex(str(key_hex))
        except SecurityDataError:
            continue
    return None


def _is_der_signature(signature: bytes) -> bool:
    try:
        decode_dss_signature(signature)
    except ValueError:
        return False
    return True
