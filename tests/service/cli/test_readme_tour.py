"""The README's CLI tour, line by line: every ``clearmark`` command of it runs and does what it says."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from clearmark.service.cli import EXIT_OK, EXIT_PROBLEMS, main
from tests.conftest import encode, make_image
from tests.service.cli.conftest import json_lines

README = Path(__file__).resolve().parents[3] / "README.md"
PLACEHOLDER_PRODUCE_ID = "CMXXXXXXXX"
PLACEHOLDER_WATERMARK_ID = "0123456789abcdef"


def cli_tour() -> tuple[dict[str, str], list[str]]:
    """The variables and the ``clearmark`` lines of the README's first bash block after the CLI heading."""
    text = README.read_text()
    block = re.search(r"## A short tour: the CLI\n\n```bash\n(.*?)\n```", text, re.DOTALL)
    assert block, "the README lost its CLI tour"
    lines = block.group(1).splitlines()
    variables = dict(re.findall(r"^(\w+)=(\S+)", block.group(1), re.MULTILINE))
    return variables, [line for line in lines if line.startswith("clearmark ")]


def _sign_sidecar(tmp: Path, jpeg: bytes) -> None:
    from clearmark.detectors.iptc import TRAINED_ALGORITHMIC_MEDIA
    from clearmark.labels.c2pa_manifest import ACTION_CREATED, C2paSigning, sign_manifest
    from clearmark.service.keys import ensure_dev_signing_material

    material = ensure_dev_signing_material(tmp / "data")
    signed = sign_manifest(
        jpeg,
        "image/jpeg",
        C2paSigning(material.cert_chain_pem, material.private_key_pem),
        action=ACTION_CREATED,
        digital_source_type=TRAINED_ALGORITHMIC_MEDIA,
        software_agent="m",
        claim_generator="readme",
        aigc_label=None,
        embed=False,
    )
    (tmp / "photo.jpg").write_bytes(signed.content)
    (tmp / "photo.c2pa").write_bytes(signed.manifest_store)


def test_every_command_of_the_cli_tour_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], jpeg_bytes: bytes
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gen.jpg").write_bytes(jpeg_bytes)
    (tmp_path / "upload.png").write_bytes(encode(make_image(seed=21), "PNG"))
    (tmp_path / "more.png").write_bytes(encode(make_image(seed=22), "PNG"))
    (tmp_path / "generated" / "batch").mkdir(parents=True)
    (tmp_path / "generated" / "a.jpg").write_bytes(encode(make_image(seed=23), "JPEG"))
    (tmp_path / "generated" / "batch" / "b.webp").write_bytes(encode(make_image(seed=24), "WEBP"))
    _sign_sidecar(tmp_path, jpeg_bytes)

    variables, lines = cli_tour()
    ran: dict[str, int] = {}
    ids: dict[str, str] = {}
    for line in lines:
        if "|" in line:
            continue  # the stdin/stdout pipe runs as a real pipeline in test_main.py
        for name, value in variables.items():
            line = line.replace(f"${name}", value)
        for placeholder, value in ids.items():
            line = line.replace(placeholder, value)
        command, _, redirect = line.partition(" > ")
        argv = shlex.split(command, comments=True)[1:]
        redirect = shlex.split(redirect, comments=True)[0] if redirect else ""
        try:
            code = main(argv)
        except SystemExit as leaving:  # --version
            code = int(leaving.code or 0)
        out, err = capsys.readouterr()
        assert code in (EXIT_OK, EXIT_PROBLEMS), f"{line}\n{err}"
        if redirect:
            Path(redirect).write_text(out)
        ran[line] = code
        if argv[:2] == ["stamp", "gen.jpg"] and "-o" in argv and argv[argv.index("-o") + 1] == "stamped.jpg":
            produce_id = re.search(r"ProduceID (\S+)", out).group(1)  # type: ignore[union-attr]
            main(["lookup", produce_id, "--json"])
            record = json_lines(capsys.readouterr().out)[0]["response"]["records"][0]
            ids = {PLACEHOLDER_PRODUCE_ID: produce_id, PLACEHOLDER_WATERMARK_ID: record["watermark_id"]}

    assert len(ran) >= 13
    assert all(code == EXIT_OK for line, code in ran.items() if line.split()[1] in {"stamp", "label", "lookup"})
    assert (tmp_path / "stamped" / "batch" / "b.webp").exists() and (tmp_path / "quiet.jpg").exists()
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) == 3
    assert sorted(p.name for p in (tmp_path / "reports").rglob("*.html")) == [
        "a.jpg.html",
        "b.webp.html",
        "more.png.html",
    ]
    assert json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[0])["verb"] == "verify"
