"""Batch audits: inputs from folders and lists, torn JSONL lines, the summary; killed halfway and resumed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench.audit_corpus import make_corpus

from clearmark.service.audit import AuditRow, collect_inputs, load_rows, summarize
from clearmark.service.cli import EXIT_FAILED, EXIT_PROBLEMS, main

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    make_corpus(directory, 200)
    return directory


def _audit(capsys: pytest.CaptureFixture[str], source: Path, out: Path, *extra: str) -> tuple[int, dict]:
    code = main(["audit", str(source), "-o", str(out), "--json", "--no-progress", *extra])
    printed = capsys.readouterr().out
    return code, json.loads(printed)


def _without_time(html: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "", html)


def test_killed_halfway_and_resumed_gives_the_same_summary(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    code, whole = _audit(capsys, corpus, tmp_path / "whole", "--workers", "2", *data)
    assert code == EXIT_PROBLEMS  # the corpus has unlabelled and broken files
    assert whole["files"] == 200 and whole["errors"] == 10 and whole["verified_now"] == 200

    interrupted = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    command = [sys.executable, "-m", "clearmark.service.cli", "audit", str(corpus), "-o", str(interrupted)]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--no-progress", *data], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    jsonl = interrupted / "audit.jsonl"
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline:
            if jsonl.exists() and jsonl.read_bytes().count(b"\n") >= 60:
                break
            assert process.poll() is None, "the audit finished before it could be interrupted"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes, mid-write
    finally:
        process.wait(timeout=60)
    assert not (interrupted / "audit.html").exists()
    done_before = len(load_rows(jsonl))
    assert 60 <= done_before < 200

    code, resumed = _audit(capsys, corpus, interrupted, "--workers", "2", *data)
    assert code == EXIT_PROBLEMS
    assert resumed["resumed"] == done_before and resumed["verified_now"] == 200 - done_before
    drop = {"verified_now", "resumed"}
    assert {k: v for k, v in resumed.items() if k not in drop} == {k: v for k, v in whole.items() if k not in drop}
    assert (interrupted / "audit.csv").read_text() == (tmp_path / "whole" / "audit.csv").read_text()
    html = (interrupted / "audit.html").read_text()
    assert _without_time(html) == _without_time((tmp_path / "whole" / "audit.html").read_text())
    assert '<html lang="zh-CN">' in html and 'id="chart-requirements"' in html and "<svg" in html
    assert len(load_rows(jsonl)) == 200

    # A third run finds nothing left to do.
    code, again = _audit(capsys, corpus, interrupted, "--workers", "0", *data)
    assert again["verified_now"] == 0 and again["resumed"] == 200


def test_list_file_inputs_and_english_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_corpus(tmp_path / "few", 6)
    listing = tmp_path / "list.txt"
    listing.write_text("# files to audit\n\n" + "\n".join(str(p.relative_to(tmp_path)) for p in files[:4]) + "\n")
    assert collect_inputs(listing) == [str(tmp_path / p.relative_to(tmp_path)) for p in files[:4]]
    code, summary = _audit(capsys, listing, tmp_path / "out", "--workers", "0", "--lang", "en")
    assert summary["files"] == 4
    html = (tmp_path / "out" / "audit.html").read_text()
    assert '<html lang="en">' in html and "Pass rate per requirement" in html
    rows = [json.loads(line) for line in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    assert {row["path"] for row in rows} == {str(p) for p in files[:4]}


def test_folder_walk_skips_the_output_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("x")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "audit.csv").write_text("y")
    (tmp_path / ".hidden").write_text("z")
    assert collect_inputs(tmp_path, exclude=tmp_path / "out") == [str(tmp_path / "a" / "x.txt")]
    with pytest.raises(FileNotFoundError):
        collect_inputs(tmp_path / "missing")


def test_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    jsonl = tmp_path / "audit.jsonl"
    good = AuditRow("a.png", compliant=True, outcomes={"metadata.present": "PASS"}).to_json()
    jsonl.write_text(good + "\n" + good.replace("a.png", "b.png")[:30])
    assert list(load_rows(jsonl)) == ["a.png"]
    assert jsonl.read_text() == good + "\n"


def test_summary_counts_only_applicable_outcomes() -> None:
    rows = [
        AuditRow("1", format="png", producer="P", compliant=True, outcomes={"r": "PASS", "s": "NOT_APPLICABLE"}),
        AuditRow("2", format="png", producer="", compliant=False, outcomes={"r": "FAIL", "s": "PASS"}),
        AuditRow("3", error="InvalidMedia: truncated"),
    ]
    summary = summarize(rows)
    assert (summary.files, summary.verified, summary.errors) == (3, 2, 1)
    assert summary.by_requirement["r"].passed == 1 and summary.by_requirement["r"].total == 2
    assert summary.by_requirement["s"].total == 1
    assert summary.by_producer["P"].ratio == 1.0 and summary.by_format["png"].ratio == 0.5


def test_output_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert main(["audit", str(tmp_path), "-o", str(tmp_path / "file")]) == EXIT_FAILED
    assert "must be a folder" in capsys.readouterr().err
