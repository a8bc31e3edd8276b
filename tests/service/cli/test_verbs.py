"""The verbs on the command line: tour, folders, progress, overwrite and -o checks, JSON, exit codes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from clearmark.service.cli import EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS
from tests.conftest import PLATFORM, PRODUCER, encode, make_image
from tests.detectors.fingerprint_samples import A1111_PARAMETERS, png_with
from tests.service.cli.conftest import json_lines

RAW_ENUM = re.compile(r"\b(CATEGORY|OUTCOME|APPLIED_LABEL|SUGGESTION|CORNER|VERB|MEDIA_KIND)_[A-Z_]+")
ENVELOPE_KEYS = {"schema", "verb", "input", "output", "ok", "exit_code", "response", "gb45438", "error"}
GB45438_KEYS = [
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
]


def test_every_verb_prints_the_same_json_shape_and_the_standards_label(cli, tmp_path: Path, jpeg_bytes: bytes) -> None:
    src, stamped, labelled = tmp_path / "gen.jpg", tmp_path / "stamped.jpg", tmp_path / "labelled.jpg"
    src.write_bytes(jpeg_bytes)
    runs = {
        "stamp": cli("stamp", str(src), "-o", str(stamped), "--producer", PRODUCER, "--json"),
        "inspect": cli("inspect", str(stamped), "--json"),
        "label": cli("label", str(stamped), "-o", str(labelled), "--platform", PLATFORM, "--json"),
        "verify": cli("verify", str(labelled), "--json", "--html", str(tmp_path / "report.html")),
    }
    produce_id = json_lines(runs["stamp"][1])[0]["response"]["result"]["produce_id"]
    runs["lookup"] = cli("lookup", produce_id, "--json")
    for verb, (code, out, _) in runs.items():
        (document,) = json_lines(out)
        assert code == EXIT_OK == document["exit_code"], verb
        assert set(document) == ENVELOPE_KEYS and document["verb"] == verb and document["ok"], verb
        assert document["error"] is None and "content" not in document["response"], verb
        if verb != "lookup":
            assert list(document["gb45438"]["AIGC"]) == GB45438_KEYS, verb
            assert document["gb45438"]["AIGC"]["ContentProducer"] == PRODUCER
    assert json_lines(runs["stamp"][1])[0]["response"]["result"]["labels_applied"][0] == "APPLIED_LABEL_EXPLICIT_NOTICE"
    assert json_lines(runs["label"][1])[0]["gb45438"]["AIGC"]["ContentPropagator"] == PLATFORM
    assert json_lines(runs["inspect"][1])[0]["response"]["inspection"]["category"] == "CATEGORY_AI_GENERATED"
    assert json_lines(runs["verify"][1])[0]["response"]["report"]["compliant"] is True
    records = json_lines(runs["lookup"][1])[0]["response"]["records"]
    assert {r["verb"] for r in records} == {"VERB_STAMP", "VERB_LABEL"}
    assert "合规核验报告" in (tmp_path / "report.html").read_text()  # Chinese unless report_language says "en"


def test_human_output_speaks_words_not_enum_names(cli, tmp_path: Path, png_bytes: bytes) -> None:
    src, stamped, labelled = tmp_path / "gen.png", tmp_path / "s.png", tmp_path / "l.png"
    src.write_bytes(png_bytes)
    outputs = [
        cli("stamp", str(src), "-o", str(stamped), "--producer", PRODUCER)[1],
        cli("inspect", str(stamped))[1],
        cli("label", str(stamped), "-o", str(labelled), "--platform", PLATFORM)[1],
        cli("verify", str(labelled))[1],
    ]
    produce_id = re.search(r"ProduceID (\S+)", outputs[0]).group(1)  # type: ignore[union-attr]
    outputs.append(cli("lookup", produce_id)[1])
    text = "\n".join(outputs)
    assert not RAW_ENUM.findall(text), RAW_ENUM.findall(text)
    assert "explicit notice" in outputs[0] and "category: AI-generated" in outputs[1]
    assert "  pass " in outputs[3] and " stamp " in outputs[4] and " label " in outputs[4]


def test_folders_and_several_inputs_go_to_an_output_folder_with_progress(
    cli, tmp_path: Path, jpeg_bytes: bytes, png_bytes: bytes
) -> None:
    folder = tmp_path / "batch"
    (folder / "nested").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg_bytes)
    (folder / "nested" / "b.png").write_bytes(png_bytes)
    extra = tmp_path / "c.png"
    extra.write_bytes(encode(make_image(seed=3), "PNG"))
    out = tmp_path / "out"
    code, stdout, stderr = cli(
        "stamp", str(folder), str(extra), "-o", str(out), "--producer", PRODUCER, "--json", "--progress"
    )
    assert code == EXIT_OK
    documents = json_lines(stdout)
    assert [Path(d["output"]).relative_to(out).as_posix() for d in documents] == ["a.jpg", "nested/b.png", "c.png"]
    for document in documents:
        written = Path(document["output"]).read_bytes()
        assert hashlib.sha256(written).hexdigest() == document["response"]["result"]["output"]["sha256"]
    assert "stamp" in stderr and "3/3" in stderr  # rich's progress bar, on stderr


def test_the_input_is_not_overwritten_and_a_bad_output_costs_nothing(cli, tmp_path: Path) -> None:
    original = encode(make_image(seed=1511), "PNG")  # this test's own content: no other test records it
    src = tmp_path / "gen.png"
    src.write_bytes(original)
    code, _, err = cli("stamp", str(src), "-o", str(src), "--producer", PRODUCER)
    assert code == EXIT_FAILED and "would overwrite the input" in err and src.read_bytes() == original
    fresh = tmp_path / "fresh-data"
    bad = str(tmp_path / "no" / "such" / "dir.png")
    code, _, err = cli("stamp", str(src), "-o", bad, "--producer", PRODUCER, "--data-dir", str(fresh), data=False)
    assert code == EXIT_FAILED and "does not exist" in err
    assert not fresh.exists()  # no app opened: no keys, no registry, no work
    code, _, err = cli("stamp", str(src), "-o", bad, "--producer", PRODUCER)  # the shared registry this time
    assert code == EXIT_FAILED
    assert cli("lookup", hashlib.sha256(original).hexdigest())[0] == EXIT_PROBLEMS  # and it holds no record


def test_errors_are_json_under_json(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    code, out, _ = cli("inspect", str(junk), "--json")
    (document,) = json_lines(out)
    assert code == EXIT_FAILED == document["exit_code"] and not document["ok"] and document["response"] is None
    assert document["error"]["code"] == "INVALID_ARGUMENT" and document["error"]["reason"] == "INVALID_MEDIA"
    assert document["error"]["message_zh"]
    code, out, _ = cli("stamp", str(junk), "-o", str(tmp_path / "x" / "y.png"), "--producer", PRODUCER, "--json")
    (document,) = json_lines(out)
    assert code == EXIT_FAILED and document["error"]["reason"] == "USAGE" and set(document) == ENVELOPE_KEYS
    code, out, _ = cli("stamp", str(tmp_path / "gen.png"), "-o", str(tmp_path / "o.png"), "--producer", "bad", "--json")
    assert code == EXIT_FAILED and json_lines(out)[0]["error"]["reason"] == "USAGE"  # missing input, before work


def test_label_options_and_stamp_without_notice(cli, tmp_path: Path, png_bytes: bytes) -> None:
    upload, posted = tmp_path / "upload.png", tmp_path / "posted.png"
    upload.write_bytes(png_bytes)
    code, out, _ = cli(
        "label",
        str(upload),
        "-o",
        str(posted),
        "--platform",
        PLATFORM,
        "--declared-ai",
        "--corner",
        "top-left",
        "--notice-text",
        "本内容可能为AI生成",
        "--json",
    )
    result = json_lines(out)[0]["response"]["result"]
    assert code == EXIT_OK and result["label_value"] == "2"
    assert result["notice"]["corner"] == "CORNER_TOP_LEFT" and result["notice"]["text"] == "本内容可能为AI生成"
    assert result["display_notice"] == "本内容可能为AI生成"

    quiet = tmp_path / "quiet.png"
    code, out, _ = cli("stamp", str(upload), "-o", str(quiet), "--producer", PRODUCER, "--no-notice", "--json")
    error = json_lines(out)[0]["error"]
    assert code == EXIT_FAILED and error["violations"][0]["field"] == "options.omit_reason"
    code, out, _ = cli(
        "stamp",
        str(upload),
        "-o",
        str(quiet),
        "--producer",
        PRODUCER,
        "--no-notice",
        "--omit-reason",
        "agreement-2025-17",
        "--recipient",
        "user-42",
        "--json",
    )
    applied = json_lines(out)[0]["response"]["result"]["labels_applied"]
    assert (
        code == EXIT_OK
        and "APPLIED_LABEL_EXPLICIT_NOTICE" not in applied
        and "APPLIED_LABEL_METADATA_PRODUCER" in applied
    )


def test_exit_codes_as_documented(cli, tmp_path: Path, png_bytes: bytes) -> None:
    traced = tmp_path / "traced.png"
    traced.write_bytes(png_with([("tEXt", "parameters", A1111_PARAMETERS)], image=make_image()))
    code, out, _ = cli("inspect", str(traced), "--json")
    assert code == EXIT_PROBLEMS and json_lines(out)[0]["response"]["inspection"]["findings"]  # ran, found problems
    code, out, _ = cli("label", str(traced), "-o", str(tmp_path / "posted.png"), "--platform", PLATFORM, "--json")
    result = json_lines(out)[0]["response"]["result"]
    assert code == EXIT_OK and result["label_value"] == "3" and result["inspection"]["findings"]  # Label did its job
    plain = tmp_path / "plain.png"
    plain.write_bytes(png_bytes)
    assert cli("verify", str(plain))[0] == EXIT_OK  # ran: no AI signal, nothing owed
    ai_only = tmp_path / "declared.png"
    ai_only.write_bytes(_png_with_ai_source_type(png_bytes))
    assert cli("verify", str(ai_only))[0] == EXIT_PROBLEMS  # ran: an AI trace without a label
    assert cli("lookup", "CMNOSUCHID")[0] == EXIT_PROBLEMS  # ran: nothing found
    assert cli("inspect", str(tmp_path / "missing.png"))[0] == EXIT_FAILED  # could not run
    code, _, err = cli(
        "stamp", str(plain), str(plain), "-o", str(tmp_path / "o"), "--producer", PRODUCER, "--request-id", "r1"
    )
    assert code == EXIT_FAILED and "one input" in err  # one request id cannot name two requests
    code, out, err = cli("inspect", str(plain), str(tmp_path / "junk.bin"))
    assert code == EXIT_FAILED and "no such file" in err and not out  # checked before any work


def test_against_a_server(server, cli, tmp_path: Path, webp_bytes: bytes) -> None:
    src, out_path = tmp_path / "in.webp", tmp_path / "out.webp"
    src.write_bytes(webp_bytes)
    remote = ["--server", server.address]
    code, out, _ = cli("stamp", str(src), "-o", str(out_path), "--producer", PRODUCER, "--json", *remote)
    produce_id = json_lines(out)[0]["response"]["result"]["produce_id"]
    assert code == EXIT_OK
    code, out, _ = cli("inspect", str(out_path), "--json", *remote)
    assert json_lines(out)[0]["response"]["inspection"]["aigc_label"]["produce_id"] == produce_id
    assert cli("lookup", produce_id, *remote)[0] == EXIT_OK
    assert cli("lookup", "CMNOSUCHID", *remote)[0] == EXIT_PROBLEMS


def test_large_files_go_over_the_streaming_rpcs(
    server, cli, tmp_path: Path, png_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clearmark.service.cli.backend as backend

    monkeypatch.setattr(backend, "STREAM_ABOVE_BYTES", 1024)  # every test image counts as large
    src, stamped, labelled = tmp_path / "in.png", tmp_path / "s.png", tmp_path / "l.png"
    src.write_bytes(png_bytes)
    remote = ["--server", server.address, "--json"]
    code, out, _ = cli("stamp", str(src), "-o", str(stamped), "--producer", PRODUCER, "--request-id", "cli-s", *remote)
    digest = hashlib.sha256(stamped.read_bytes()).hexdigest()
    assert code == EXIT_OK and json_lines(out)[0]["response"]["result"]["output"]["sha256"] == digest
    code, out, _ = cli("label", str(stamped), "-o", str(labelled), "--platform", PLATFORM, *remote)
    assert code == EXIT_OK and json_lines(out)[0]["response"]["result"]["label_value"] == "1"
    code, out, _ = cli("verify", str(labelled), *remote)
    assert code == EXIT_OK and json_lines(out)[0]["response"]["report"]["compliant"] is True


def test_sidecar_manifest_beside_the_file_is_read(cli, tmp_path: Path, jpeg_bytes: bytes, data_dir: Path) -> None:
    from clearmark.detectors.iptc import TRAINED_ALGORITHMIC_MEDIA
    from clearmark.labels.c2pa_manifest import ACTION_CREATED, C2paSigning, sign_manifest
    from clearmark.service.keys import ensure_dev_signing_material

    material = ensure_dev_signing_material(data_dir)
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
    code, out, _ = cli("inspect", str(image), "--json")
    signals = json_lines(out)[0]["response"]["inspection"]["signals"]
    manifest = next(s for s in signals if s["kind"] == "c2pa.manifest")
    assert manifest["location"]["carrier"] == "c2pa:sidecar"
    assert manifest["attributes"]["validation_state"] == "Valid"
    assert json.dumps(manifest)  # plain JSON


def test_tls_to_a_server(server, cli, tmp_path: Path, png_bytes: bytes) -> None:
    from tests.client.proxy import Proxy, self_signed_localhost

    key, cert = self_signed_localhost()
    (tmp_path / "ca.pem").write_bytes(cert)
    src = tmp_path / "in.png"
    src.write_bytes(png_bytes)
    proxy = Proxy(server.address, tls=(key, cert))
    try:
        target = f"localhost:{proxy.port}"
        code, out, _ = cli("inspect", str(src), "--server", target, "--tls-ca", str(tmp_path / "ca.pem"), "--json")
        assert code == EXIT_OK and json_lines(out)[0]["response"]["inspection"]["category"] == "CATEGORY_NO_SIGNAL"
        code, out, _ = cli("inspect", str(src), "--server", target, "--tls-cert", str(tmp_path / "ca.pem"), "--json")
        assert code == EXIT_FAILED and "go together" in json_lines(out)[0]["error"]["message"]
    finally:
        proxy.close()


def test_a_bad_command_line_is_json_under_json_and_exits_2(cli) -> None:
    code, out, _ = cli("stamp", "x.jpg", "-o", "y.jpg", "--json", data=False)  # --producer missing
    (document,) = json_lines(out)
    assert (
        code == EXIT_FAILED and document["error"]["reason"] == "USAGE" and "--producer" in document["error"]["message"]
    )
    code, out, err = cli("label", "x.jpg", "--platform", PLATFORM, data=False)  # -o missing, no --json
    assert code == EXIT_FAILED and not out and "-o/--output" in err


def _png_with_ai_source_type(png: bytes) -> bytes:
    """The PNG with an IPTC DigitalSourceType saying trained-model output, and no GB 45438 label."""
    from clearmark.media.formats.png import PNG
    from clearmark.media.xmp import NS_IPTC_EXT, XmpDocument

    document = XmpDocument.empty()
    document.set(
        NS_IPTC_EXT, "DigitalSourceType", "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )
    return PNG.write_xmp(png, document.to_packet())
