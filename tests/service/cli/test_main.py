"""The command as a process: --version, stdin and stdout, a closed pipe, serve and SIGTERM."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from clearmark import __version__
from clearmark.service.cli import EXIT_BROKEN_PIPE, main
from tests.conftest import PRODUCER, encode, make_image
from tests.service.cli.conftest import command, run_command, subprocess_env


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(["--version"])
    assert leaving.value.code == 0 and capsys.readouterr().out.startswith(f"clearmark {__version__}")


def test_stdin_to_stdout_through_a_real_pipe(tmp_path: Path, jpeg_bytes: bytes) -> None:
    # Two data dirs: two processes creating one SQLite schema at the same instant race (create_all).
    stamp = subprocess.Popen(
        command("stamp", "-", "-o", "-", "--producer", PRODUCER, "--json", "--data-dir", str(tmp_path / "a")),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    inspect = subprocess.Popen(
        command("inspect", "-", "--json", "--data-dir", str(tmp_path / "b")),
        stdin=stamp.stdout,
        stdout=subprocess.PIPE,
        env=subprocess_env(),
    )
    assert stamp.stdout is not None and stamp.stdin is not None
    stamp.stdout.close()  # inspect owns the read end now
    stamp.stdin.write(jpeg_bytes)
    stamp.stdin.close()
    inspected, _ = inspect.communicate(timeout=180)
    report = stamp.stderr.read()  # type: ignore[union-attr]
    assert stamp.wait(timeout=60) == 0 and inspect.returncode == 0
    # With content on stdout the JSON goes to stderr (after the log's first-start notes).
    stamped = json.loads(next(line for line in report.splitlines() if line.startswith(b"{")))
    assert stamped["input"] == "<stdin>" and stamped["output"] == "-"
    seen = json.loads(inspected)
    assert seen["response"]["inspection"]["category"] == "CATEGORY_AI_GENERATED"
    assert seen["gb45438"]["AIGC"]["ProduceID"] == stamped["response"]["result"]["produce_id"]


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for seed in range(3):
        (folder / f"{seed}.png").write_bytes(encode(make_image(160, 120, seed=seed), "PNG"))
    inspect = " ".join(command("inspect", str(folder), "--json", "--data-dir", str(tmp_path / "d")))
    shell = f"set -o pipefail; {inspect} | head -n 1"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, env=subprocess_env(), timeout=180, text=True)
    assert json.loads(done.stdout)["verb"] == "inspect"  # the first line arrived whole
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == EXIT_BROKEN_PIPE


def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path) -> None:
    done = run_command("stamp", str(tmp_path / "missing.png"), "-o", str(tmp_path / "o.png"), "--producer", PRODUCER)
    assert done.returncode == 2 and b"Traceback" not in done.stderr and b"no such file" in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {**subprocess_env(), "CLEARMARK_CPU_WORKERS": "1"}
    proc = subprocess.Popen(
        command("serve", "--port", str(port), "--data-dir", str(tmp_path)),
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
