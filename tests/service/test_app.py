"""The application's output handling: per-request work directories, and unary responses' size limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clearmark.service.app import ClearMarkApp, OutputTooLargeForUnary
from clearmark.service.config import Settings
from clearmark.v1 import clearmark_service_pb2 as api

PRODUCER = "001191440300708461136T1XGW3"
TEXT = ("这是一段由模型生成的文字。" * 400).encode()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    settings = Settings(data_dir=tmp_path_factory.mktemp("app-data"), cpu_workers=0, max_message_bytes=8 * 1024)
    with ClearMarkApp(settings) as app:
        yield app


def _work_dirs(app: ClearMarkApp) -> list[Path]:
    root = app.settings.data_dir / "work"
    return list(root.iterdir()) if root.exists() else []


def test_a_workspace_is_removed_with_its_files_on_success_and_on_failure(app: ClearMarkApp) -> None:
    async def use(fail: bool) -> Path:
        async with app.workspace() as work_dir:
            (work_dir / "partial-output").write_bytes(b"x" * 1000)
            if fail:
                raise RuntimeError("the job failed mid-write")
            return work_dir

    made = asyncio.run(use(False))
    assert not made.exists()
    with pytest.raises(RuntimeError):
        asyncio.run(use(True))
    assert _work_dirs(app) == []


def test_a_unary_output_over_the_message_limit_names_the_streaming_rpc(app: ClearMarkApp) -> None:
    request = api.StampRequest(request_id="too-big-1", content=TEXT, options=api.StampOptions(producer_code=PRODUCER))
    with pytest.raises(OutputTooLargeForUnary) as raised:
        asyncio.run(app.stamp(request, "tenant"))
    assert "StampStream" in raised.value.message and raised.value.reason == "OUTPUT_TOO_LARGE_FOR_UNARY"
    assert _work_dirs(app) == []

    async def streamed() -> bytes:  # the same request id through the streaming form: the stored output
        async with app.workspace() as work_dir:
            output = await app.stamp_output(request, "tenant", work_dir=work_dir)
            assert output.result.replayed
            return output.content if isinstance(output.content, bytes) else output.content.read_bytes(1 << 20)

    content = asyncio.run(streamed())
    assert len(content) > len(TEXT)


def test_small_outputs_fit_a_unary_response(app: ClearMarkApp) -> None:
    request = api.StampRequest(content=TEXT[:600], options=api.StampOptions(producer_code=PRODUCER))
    response = asyncio.run(app.stamp(request, "tenant"))
    assert response.content and not response.result.replayed
    assert _work_dirs(app) == []
