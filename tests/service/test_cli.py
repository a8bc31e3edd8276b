"""The clearmark command: the documented shape, in-process and against a server, JSON and exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clearmark.service.cli import EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, lookup_key, main
from tests.conftest import PLATFORM, PRODUCER


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tour_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str], jpeg_bytes: bytes) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    src = tmp_path / "gen.jpg"
    src.write_bytes(jpeg_bytes)
    stamped, labelled = tmp_path / "stamped.jpg", tmp_path / "labelled.jpg"

    code, out, _ = run(capsys, "stamp", str(src), "-o", str(stamped), "--producer", PRODUCER, "--json", *data)
    assert code == EXIT_OK
    result = json.loads(out)
    assert result["aigc_label"]["label"] == "1"
    assert result["labels_applied"] == [
        "APPLIED_LABEL_EXPLICIT_NOTICE",
        "APPLIED_LABEL_WATERMARK",
        "APPLIED_LABEL_METADATA_PRODUCER",
        "APPLIED_LABEL_C2PA_MANIFEST",
    ]

    code, out, _ = run(capsys, "inspect", str(stamped), "--json", *data)
    assert code == EXIT_OK and json.loads(out)["inspection"]["category"] == "CATEGORY_AI_GENERATED"

    code, out, _ = run(capsys, "label", str(stamped), "-o", str(labelled), "--platform", PLATFORM, *data)
    assert code == EXIT_OK and "Label 1" in out

    html = tmp_path / "report.html"
    code, out, _ = run(capsys, "verify", str(labelled), "--json", "--html", str(html), *data)
    assert code == EXIT_OK and json.loads(out)["report"]["compliant"] is True
    assert "合规核验报告" in html.read_text()  # the page is Chinese unless report_language says "en"

    code, out, _ = run(capsys, "lookup", result["produce_id"], "--json", *data)
    assert code == EXIT_OK and len(json.loads(out)["records"]) == 2


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str], png_bytes: bytes) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    plain = tmp_path / "plain.png"
    plain.write_bytes(png_bytes)
    assert run(capsys, "verify", str(plain), *data)[0] == EXIT_OK  # ran: no AI signal, nothing owed
    ai_only = tmp_path / "declared.png"
    ai_only.write_bytes(_png_with_ai_source_type(png_bytes))
    assert run(capsys, "verify", str(ai_only), *data)[0] == EXIT_PROBLEMS  # ran: AI trace, no label
    assert run(capsys, "lookup", "CMNOSUCHID", *data)[0] == EXIT_PROBLEMS  # ran: nothing found
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    code, _, err = run(capsys, "inspect", str(junk), *data)
    assert code == EXIT_FAILED and "InvalidMedia" in err
    assert run(capsys, "inspect", str(tmp_path / "missing.png"), *data)[0] == EXIT_FAILED
    code, _, err = run(capsys, "stamp", str(plain), "-o", str(tmp_path / "o.png"), "--producer", "bad", *data)
    assert code == EXIT_FAILED and not (tmp_path / "o.png").exists()


def test_against_a_server(server, tmp_path: Path, capsys: pytest.CaptureFixture[str], webp_bytes: bytes) -> None:
    src, out_path = tmp_path / "in.webp", tmp_path / "out.webp"
    src.write_bytes(webp_bytes)
    remote = ["--server", server.address]
    code, out, _ = run(capsys, "stamp", str(src), "-o", str(out_path), "--producer", PRODUCER, "--json", *remote)
    assert code == EXIT_OK
    produce_id = json.loads(out)["produce_id"]
    code, out, _ = run(capsys, "inspect", str(out_path), "--json", *remote)
    assert json.loads(out)["inspection"]["aigc_label"]["produce_id"] == produce_id
    assert run(capsys, "lookup", produce_id, *remote)[0] == EXIT_OK


@pytest.mark.parametrize(("value", "key"), [("a" * 64, "sha256"), ("CMPABC", "propagate_id"), ("CMABC", "produce_id")])
def test_lookup_key_guess(value: str, key: str) -> None:
    assert lookup_key(value) == key


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CLEARMARK_CPU_WORKERS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "clearmark.service.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("server did not start")
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, output
    assert "serving" in output and "stopped" in output
    assert "DEVELOPMENT" in output or "development" in output  # first start says the keys are dev keys
    assert "PRIVATE KEY" not in output


def test_large_files_go_over_the_streaming_rpcs(
    server, tmp_path: Path, capsys: pytest.CaptureFixture[str], png_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clearmark.service.cli as cli

    monkeypatch.setattr(cli, "STREAM_ABOVE_BYTES", 1024)  # every test image counts as large
    src, stamped, labelled = tmp_path / "in.png", tmp_path / "s.png", tmp_path / "l.png"
    src.write_bytes(png_bytes)
    remote = ["--server", server.address, "--json"]
    code, out, _ = run(
        capsys, "stamp", str(src), "-o", str(stamped), "--producer", PRODUCER, "--request-id", "cli-s", *remote
    )
    assert code == EXIT_OK and json.loads(out)["output"]["sha256"] == hashlib.sha256(stamped.read_bytes()).hexdigest()
    code, out, _ = run(capsys, "label", str(stamped), "-o", str(labelled), "--platform", PLATFORM, *remote)
    assert code == EXIT_OK and json.loads(out)["label_value"] == "1"
    code, out, _ = run(capsys, "inspect", str(labelled), *remote)
    assert json.loads(out)["inspection"]["aigc_label"]["content_propagator"] == PLATFORM
    code, out, _ = run(capsys, "verify", str(labelled), *remote)
    assert code == EXIT_OK and json.loads(out)["report"]["compliant"] is True


def test_sidecar_manifest_beside_the_file_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], jpeg_bytes: bytes
) -> None:
    from clearmark.detectors.iptc import TRAINED_ALGORITHMIC_MEDIA
    from clearmark.labels.c2pa_manifest import ACTION_CREATED, C2paSigning, sign_manifest
    from clearmark.service.keys import ensure_dev_signing_material

    material = ensure_dev_signing_material(tmp_path / "data")
    signed = sign_manifest(
        jpeg_bytes,
        "image/jpeg",
        C2paSigning(material.cert_chain_pem, material.private_key_pem),
        action=ACTION_CREATED,
        digital_source_type=TRAINED_ALGORITHMIC_MEDIA,
        software_agent="m",
        claim_generator="test",
        aigc_label=None,
        embed=False,
    )
    image = tmp_path / "photo.jpg"
    image.write_bytes(signed.content)
    (tmp_path / "photo.c2pa").write_bytes(signed.manifest_store)
    code, out, _ = run(capsys, "inspect", str(image), "--json", "--data-dir", str(tmp_path / "data"))
    signals = json.loads(out)["inspection"]["signals"]
    manifest = next(s for s in signals if s["kind"] == "c2pa.manifest")
    assert manifest["location"]["carrier"] == "c2pa:sidecar"
    assert manifest["attributes"]["validation_state"] == "Valid"


def _png_with_ai_source_type(png: bytes) -> bytes:
    """The PNG with an IPTC DigitalSourceType saying trained-model output, and no GB 45438 label."""
    from clearmark.media.formats.png import PNG
    from clearmark.media.xmp import NS_IPTC_EXT, XmpDocument

    document = XmpDocument.empty()
    document.set(
        NS_IPTC_EXT, "DigitalSourceType", "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )
    return PNG.write_xmp(png, document.to_packet())
