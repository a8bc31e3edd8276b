"""``clearmark check-texts``: the campaign checks of many short texts, JSON lines in and out."""

from __future__ import annotations

import argparse
import json
import sys

from google.protobuf import json_format

from clearmark.service.cli.backend import Backend
from clearmark.service.cli.verbs import EXIT_OK, EXIT_PROBLEMS, add_campaign_arguments, campaign_context
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb


def texts_in(source: str) -> list[api.TextToCheck]:
    """JSON lines: an object {"id", "text", "field"} or a bare JSON string per line; blank lines skipped.

    Raises:
        ValueError: a line that is not JSON, or not a string or an object with a "text" string.
    """
    stream = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    texts = []
    with stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number}: not JSON: {exc.msg}") from None
            if isinstance(item, str):
                item = {"text": item}
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError(f'line {number}: expected a string or an object with a "text" string')
            texts.append(
                api.TextToCheck(id=str(item.get("id", number)), text=item["text"], field=str(item.get("field", "")))
            )
    return texts


def cmd_check_texts(args: argparse.Namespace) -> int:
    """One JSON line per text: its id, suggestion, findings; 1 when any text is flagged."""
    request = api.CheckTextsRequest(
        request_id=args.request_id or "", context=campaign_context(args), texts=texts_in(args.input)
    )
    with Backend(args) as backend:
        response = backend.check_texts(request)
    flagged = False
    for item in response.verdicts:
        verdict = item.verdict
        flagged |= verdict.suggestion != pb.SUGGESTION_PASS
        record = {
            "id": item.id,
            "suggestion": pb.Suggestion.Name(verdict.suggestion).removeprefix("SUGGESTION_"),
            "findings": [json_format.MessageToDict(f, preserving_proto_field_name=True) for f in verdict.findings],
            "not_evaluated": list(verdict.not_evaluated),
            "policy_version": verdict.policy_version,
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return EXIT_PROBLEMS if flagged else EXIT_OK


def add_parsers(
    sub: argparse._SubParsersAction, *, settings: argparse.ArgumentParser, calling: argparse.ArgumentParser
) -> None:
    """``check-texts``."""
    check_p = sub.add_parser(
        "check-texts", parents=[calling], help="campaign checks of many short texts (JSON lines in, JSON lines out)"
    )
    check_p.add_argument("input", help='a JSON-lines file ({"id", "text", "field"} or a string per line), or -')
    check_p.add_argument("--request-id")
    add_campaign_arguments(check_p, texts=False)
    check_p.set_defaults(run=cmd_check_texts)
