"""c2pa-python settings shared by the C2PA writer and reader: trust anchors, EKUs, and no network by default.

c2pa-python ships no trust anchors and silently ignores settings keys it does not know, so every
key used here is listed in ``SETTINGS_PATHS`` (the c2pa-rs settings schema, c2pa-rs 0.91) and the
tests check that each one changes what c2pa does (all but ``verify.ocsp_fetch``, pinned to the
default it already has).

Keys used (c2pa-rs ``docs/settings.md``):

- ``trust.user_anchors``: PEM roots a signer may chain to (``signingCredential.trusted``).
- ``trust.trust_config``: extra accepted EKU OIDs, one per line. It only *adds* to c2pa's
  built-in set (emailProtection, timeStamping, ocspSigning and the C2PA list); it cannot narrow it.
- ``verify.remote_manifest_fetch``: fetch a manifest the asset only points to (default: on!).
- ``verify.ocsp_fetch``: fetch OCSP responses while validating (default off; pinned off).
- ``core.allowed_network_hosts``: host patterns c2pa may contact; ``[]`` blocks every request,
  a belt to ``remote_manifest_fetch``'s braces.
- ``builder.thumbnail.enabled``: c2pa embeds a claim thumbnail by default (up to 1024 px).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SETTINGS_PATHS: frozenset[str] = frozenset(
    {
        "trust.user_anchors",
        "trust.trust_config",
        "verify.remote_manifest_fetch",
        "verify.ocsp_fetch",
        "core.allowed_network_hosts",
        "builder.thumbnail.enabled",
    }
)
_OID = re.compile(r"^[0-2](?:\.(?:0|[1-9][0-9]*))+$")
_PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|$)", re.S)
_LONG_BASE64 = re.compile(r"[A-Za-z0-9+/=]{48,}")
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class C2paTrust:
    """How C2PA signatures are judged and whether c2pa may use the network.

    Attributes:
        anchors_pem: PEM roots (the C2PA trust list, the operator's CAs); empty means none, so
            a good manifest is ``Valid`` (valid, untrusted), never ``Trusted``.
        allowed_ekus: extended-key-usage OIDs accepted on signer certificates in addition to
            c2pa's built-in set (which does not include documentSigning 1.3.6.1.5.5.7.3.36).
        fetch_remote: let c2pa fetch remote manifests (off: they are reported, never fetched).
    """

    anchors_pem: str = ""
    allowed_ekus: tuple[str, ...] = ()
    fetch_remote: bool = False

    def __post_init__(self) -> None:
        if self.anchors_pem.strip() and _PEM_CERTIFICATE not in self.anchors_pem:
            raise ValueError("C2PA trust anchors must be PEM certificates (-----BEGIN CERTIFICATE-----)")
        bad = [oid for oid in self.allowed_ekus if not _OID.match(oid)]
        if bad:
            # c2pa would silently skip these lines; refuse them instead.
            raise ValueError(f"C2PA allowed EKUs must be dotted OIDs, got {bad}")

    @classmethod
    def from_files(
        cls,
        anchors: Path | None = None,
        *,
        allowed_ekus: tuple[str, ...] = (),
        fetch_remote: bool = False,
        public_list: bool = False,
    ) -> C2paTrust:
        """Trust read from a PEM bundle on disk (None: no anchors), plus the bundled public C2PA trust list.

        Raises:
            ValueError: the file is unreadable or holds no PEM certificate, or an EKU is not an OID.
        """
        text = public_trust_list_pem() if public_list else ""
        if anchors is not None:
            try:
                operator = anchors.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"cannot read C2PA trust anchors from {anchors}: {type(exc).__name__}") from None
            if _PEM_CERTIFICATE not in operator:
                raise ValueError(f"{anchors} holds no PEM certificate")
            text += operator
        return cls(anchors_pem=text, allowed_ekus=tuple(allowed_ekus), fetch_remote=fetch_remote)


NO_TRUST = C2paTrust()


def public_trust_list_pem() -> str:
    """The bundled snapshot of the C2PA conformance program's trust list (see assets/c2pa/README.md), PEM only."""
    text = resources.files("clearmark").joinpath("assets", "c2pa", "C2PA-TRUST-LIST.pem").read_text(encoding="ascii")
    return "\n".join(match.group(0) for match in _PEM_BLOCK.finditer(text)) + "\n"


class TrustSource:
    """The trust settings of a running service, read again when the operator replaces the anchors file."""

    def __init__(
        self,
        anchors: Path | None = None,
        *,
        allowed_ekus: tuple[str, ...] = (),
        fetch_remote: bool = False,
        public_list: bool = False,
    ) -> None:
        self._anchors = anchors
        self._options = {"allowed_ekus": allowed_ekus, "fetch_remote": fetch_remote, "public_list": public_list}
        self._stamp: float | None = None
        self._trust = self._load()

    def _mtime(self) -> float | None:
        try:
            return self._anchors.stat().st_mtime if self._anchors is not None else None
        except OSError:
            return None

    def _load(self) -> C2paTrust:
        self._stamp = self._mtime()
        return C2paTrust.from_files(self._anchors, **self._options)  # type: ignore[arg-type]

    def current(self) -> C2paTrust:
        """The trust in force: re-read when the anchors file changed since the last read.

        A replacement that cannot be read keeps the previous anchors (the next change is tried again).
        """
        if self._anchors is not None and self._mtime() != self._stamp:
            try:
                self._trust = self._load()
            except ValueError:
                self._stamp = self._mtime()
        return self._trust


def c2pa_settings(
    trust: C2paTrust = NO_TRUST, *, thumbnails: bool = False, network_hosts: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The settings document for one c2pa Context.

    Args:
        trust: anchors, extra EKUs and whether remote manifests may be fetched.
        thumbnails: embed c2pa's claim thumbnail when signing.
        network_hosts: hosts c2pa may reach even without ``trust.fetch_remote`` (a TSA).
    """
    trust_section: dict[str, str] = {}
    if trust.anchors_pem.strip():
        trust_section["user_anchors"] = trust.anchors_pem
    if trust.allowed_ekus:
        trust_section["trust_config"] = "".join(f"{oid}\n" for oid in trust.allowed_ekus)
    settings: dict[str, Any] = {
        "verify": {"remote_manifest_fetch": trust.fetch_remote, "ocsp_fetch": False},
        "builder": {"thumbnail": {"enabled": thumbnails}},
    }
    if not trust.fetch_remote:
        settings["core"] = {"allowed_network_hosts": list(network_hosts)}
    if trust_section:
        settings["trust"] = trust_section
    return settings


def settings_paths(settings: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every leaf key path of a settings document, dotted (``verify.ocsp_fetch``)."""
    paths: set[str] = set()
    for key, value in settings.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            paths |= settings_paths(value, f"{path}.")
        else:
            paths.add(path)
    return paths


def url_host(url: str) -> str:
    """The host name of a URL, or "" when it has none."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def describe_c2pa_error(exc: BaseException) -> str:
    """c2pa's error text, one line, without PEM blocks or long base64 runs, at most 300 characters."""
    text = str(exc) or type(exc).__name__
    text = _PEM_BLOCK.sub("[PEM]", text)
    text = _LONG_BASE64.sub("[…]", text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"
