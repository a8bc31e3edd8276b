"""The campaign checks through the service: ``inspect --json`` on every format, context fields, CheckTexts over gRPC."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
import zxingcpp
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from PIL import Image, ImageDraw

from clearmark.notice import load_notice_font
from clearmark.service.cli import EXIT_OK, EXIT_PROBLEMS, main
from clearmark.service.config import Settings
from clearmark.service.server import server_in_thread
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM
from tests.media.documents.samples import docx_bytes, pdf_bytes


def image_with_text_and_code() -> bytes:
    image = Image.new("RGB", (1280, 720), (200, 210, 220))
    ImageDraw.Draw(image).text((300, 300), "扫码加微信 abc_12345", font=load_notice_font().at(48), fill=(20, 20, 20))
    symbol = zxingcpp.create_barcode("https://u.wechat.com/EAbc", zxingcpp.BarcodeFormat.QRCode)
    image.paste(Image.fromarray(np.asarray(symbol.to_image(scale=4))).convert("RGB"), (900, 400))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


SAMPLES = {
    "post.txt": ("最新網賭平台，加vx: lucky888 带你飞\n".encode(), {"content.gambling", "diversion.contact.wechat"}),
    "post.md": (b"# Deals\n\nVisit www dot abc123 dot com today\n", {"diversion.url.spelled_dot"}),
    "post.pdf": (pdf_bytes("Contact us: add tg @spam_bot12 for casino codes"), {"diversion.contact.telegram",
                                                                                "content.gambling"}),
    "post.docx": (docx_bytes("普通的段落", "评论区置顶 有惊喜"), {"diversion.bait"}),
    "post.jpg": (image_with_text_and_code(), {"diversion.contact.wechat", "diversion.qrcode.wechat"}),
}


def inspect_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, data: bytes, *extra: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    code = main(["inspect", str(path), "--json", "--data-dir", str(tmp_path / "data"), *extra])
    out = capsys.readouterr().out
    assert code == EXIT_PROBLEMS
    return json.loads(out)["response"]["inspection"]["campaign"]


@pytest.mark.parametrize("name", SAMPLES)
def test_inspect_json_shows_the_campaign_verdict(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, labels = SAMPLES[name]
    campaign = inspect_json(capsys, tmp_path, name, data)
    assert campaign["suggestion"] in ("SUGGESTION_BLOCK", "SUGGESTION_REVIEW")
    assert {f["label"] for f in campaign["findings"]} == labels
    assert "+clearmark-starter@" in campaign["policy_version"]
    assert set(campaign["not_evaluated"]) == {"minors.*", "news.*"}
    for finding in campaign["findings"]:
        assert finding["rule_id"] and finding["hits"]
        for hit in finding["hits"]:
            location = hit["location"]
            assert "bbox" in location if name.endswith(".jpg") else "text_start" in location
    if name.endswith(".txt"):
        gambling = next(f for f in campaign["findings"] if f["label"] == "content.gambling")
        assert gambling["hits"][0]["transforms"] == ["traditional"] and gambling["hits"][0]["text"] == "網賭"


def test_context_and_caller_texts_on_inspect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = inspect_json(
        capsys, tmp_path, "news.txt", "突发新闻：某地今晨发生地震\n".encode(),
        "--title", "深夜福利", "--comment", "加我薇信 girl_520a", "--surface", "homepage",
        "--account-type", "self_media", "--content-type", "news",
    )
    labels = {f["label"] for f in campaign["findings"]}
    assert labels == {"content.soft_porn", "diversion.contact.wechat", "minors.prominent_undesirable",
                      "news.unlicensed", "news.unsourced"}
    assert campaign.get("not_evaluated", []) == [] and campaign["suggestion"] == "SUGGESTION_BLOCK"
    sources = {h["source"] for f in campaign["findings"] for h in f.get("hits", [])}
    assert sources == {"title", "comments[0]"}


def test_a_plain_text_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.txt"
    path.write_bytes("明天下午三点开会，地点在三楼会议室。\n".encode())
    assert main(["inspect", str(path), "--json", "--data-dir", str(tmp_path / "data")]) == EXIT_OK
    campaign = json.loads(capsys.readouterr().out)["response"]["inspection"]["campaign"]
    assert campaign["suggestion"] == "SUGGESTION_PASS" and campaign.get("findings", []) == []


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[api_grpc.ClearMarkServiceStub]:
    settings = Settings(
        host="127.0.0.1", port=0, cpu_workers=1, data_dir=tmp_path_factory.mktemp("campaign-server"),
        check_texts_max_items=100, campaign_tenants={"default": {"allow_terms": ["刷单"]}},
    )
    with server_in_thread(settings) as server, grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield api_grpc.ClearMarkServiceStub(channel)


@pytest.mark.e2e
def test_check_texts_gives_each_text_its_verdict(stub: api_grpc.ClearMarkServiceStub) -> None:
    texts = ["加我vx: abc12345", "今天天气不错", "堵博", "招聘刷单", "看ＡＶ"]
    response = stub.CheckTexts(
        api.CheckTextsRequest(
            request_id="batch-1",
            context=pb.CampaignContext(surface="live_chat"),
            texts=[api.TextToCheck(id=f"c{i}", text=t, field="comment") for i, t in enumerate(texts)],
        ),
        timeout=60,
    )
    suggestions = [pb.Suggestion.Name(v.verdict.suggestion) for v in response.verdicts]
    assert [v.id for v in response.verdicts] == ["c0", "c1", "c2", "c3", "c4"]
    assert suggestions == ["SUGGESTION_BLOCK", "SUGGESTION_PASS", "SUGGESTION_REVIEW", "SUGGESTION_PASS",
                           "SUGGESTION_BLOCK"]  # 刷单 is on the tenant's allow list
    assert response.verdicts[0].verdict.request_id == "batch-1"
    assert response.verdicts[0].verdict.findings[0].hits[0].source == "comment"
    assert list(response.verdicts[1].verdict.not_evaluated) == ["news.*"]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("texts", "code", "field"),
    [
        ([], grpc.StatusCode.INVALID_ARGUMENT, "texts"),
        (["x"] * 101, grpc.StatusCode.RESOURCE_EXHAUSTED, None),
        (["x" * 20_001], grpc.StatusCode.INVALID_ARGUMENT, "texts[0]"),
    ],
)
def test_check_texts_refuses_bad_batches(
    stub: api_grpc.ClearMarkServiceStub, texts: list[str], code: grpc.StatusCode, field: str | None
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.CheckTexts(api.CheckTextsRequest(texts=[api.TextToCheck(text=t) for t in texts]), timeout=60)
    assert caught.value.code() is code
    status = rpc_status.from_call(caught.value)
    assert status is not None
    if field:
        request = error_details_pb2.BadRequest()
        assert any(d.Unpack(request) for d in status.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR))
        assert [v.field for v in request.field_violations] == [field]


def test_check_texts_cli_reads_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "comments.jsonl"
    source.write_text('{"id": "a", "text": "私 扣扣 123456789"}\n"普通的一句话"\n', "utf-8")
    code = main(["check-texts", str(source), "--data-dir", str(tmp_path / "data")])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == EXIT_PROBLEMS
    assert [(r["id"], r["suggestion"]) for r in lines] == [("a", "BLOCK"), ("2", "PASS")]
    assert lines[0]["findings"][0]["label"] == "diversion.contact.qq"


TENANT_KEYS = {"shop-a": "key-shop-a-0123456789", "shop-b": "key-shop-b-0123456789"}
TENANT_POST = "招聘刷单，认准竞品名牌\n".encode()


@pytest.fixture(scope="module")
def tenant_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[api_grpc.ClearMarkServiceStub]:
    """A server with authentication: shop-a allows 刷单 and denies 竞品名; shop-b has the base pack."""
    settings = Settings(
        host="127.0.0.1", port=0, cpu_workers=1, data_dir=tmp_path_factory.mktemp("campaign-tenants"),
        api_keys={key: tenant for tenant, key in TENANT_KEYS.items()},
        campaign_tenants={"shop-a": {"allow_terms": ["刷单"], "deny_terms": ["竞品名"], "review": 0.5}},
    )
    with server_in_thread(settings) as server, grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        yield api_grpc.ClearMarkServiceStub(channel)


def _labels(verdict: pb.CampaignVerdict) -> dict[str, set[str]]:
    """Finding label -> the sources of its hits (the content's findings and the caller texts' merged)."""
    labels: dict[str, set[str]] = {}
    for finding in verdict.findings:
        labels.setdefault(finding.label, set()).update(h.source for h in finding.hits)
    return labels


@pytest.mark.e2e
@pytest.mark.parametrize("verb", ["Inspect", "Label"])
def test_tenant_lists_apply_to_inspect_and_label(tenant_stub: api_grpc.ClearMarkServiceStub, verb: str) -> None:
    options = pb.CampaignOptions(title="刷单返现", comments=["竞品名最好"])

    def campaign(tenant: str) -> pb.CampaignVerdict:
        key = [("x-api-key", TENANT_KEYS[tenant])]
        if verb == "Inspect":
            request = api.InspectRequest(content=TENANT_POST, campaign=options)
            return tenant_stub.Inspect(request, metadata=key, timeout=60).inspection.campaign
        request = api.LabelRequest(
            request_id=f"tenant-{tenant}", content=TENANT_POST,
            options=api.LabelOptions(platform_code=PLATFORM, campaign=options),
        )
        return tenant_stub.Label(request, metadata=key, timeout=60).result.inspection.campaign

    shop_a, shop_b = campaign("shop-a"), campaign("shop-b")
    # shop-a: 刷单 allowed in the content and in the caller's texts; 竞品名 denied in both
    assert _labels(shop_a) == {"content.tenant_deny": {"text:body", "comments[0]"}}
    assert shop_a.suggestion == pb.SUGGESTION_BLOCK
    # shop-b is not affected by shop-a's lists: the base pack's water-army rule fires, nothing is denied
    assert _labels(shop_b) == {"content.water_army": {"text:body", "title"}}
    assert shop_a.policy_version != shop_b.policy_version  # the tenant's policy has its own version
