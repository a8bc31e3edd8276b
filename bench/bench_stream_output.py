"""Peak server memory while StampStream and LabelStream write large PDFs: outputs are files, not bytes.

``python -m bench.bench_stream_output [--sizes-mb 5 100 200] [--no-c2pa]`` starts ``clearmark serve`` as
its own process with one worker (``bench_stream_memory.server_process``), streams each generated PDF
through StampStream in 1 MiB chunks, writes the streamed-back output to a file, then streams that
stamped file through LabelStream (the platform's propagator fields and its C2PA manifest over the
producer's). A fresh server serves each file; after each call the peak resident set (``VmHWM``) of the
server's main process and of its worker is read from ``/proc``. The reference in the same run is the
InspectStream of the same file (read-only, already flat, ``bench_stream_memory``), so the ratio says
what writing costs beyond reading. ``--no-c2pa`` switches C2PA signing off (``CLEARMARK_C2PA_SIGN=0``)
to separate ClearMark's own memory from c2pa-rs's PDF signing.

``--media mp4`` measures video instead (issue 11's 200 MB upload): a looped H.264 MP4 of each size
(``bench_video_label``) that already carries a producer's label, through InspectStream and LabelStream
(the platform's fields, metadata only: ``platform_draws_notice`` off, so nothing is re-encoded, then
the platform's C2PA manifest over the upload as parent ingredient, up to ``max_c2pa_whole_asset_bytes``),
and the same clip without a label through StampStream (notice, watermark and label in a re-encode,
then the producer's manifest); ``--no-c2pa`` applies too. Each row also gives the output's size and
whether it carries a manifest. ``--frame 1920x1080`` loops a clip of that size instead of 320x240 (the
detectors' sampled frames then weigh as much as c2pa's hold), ``--verbs`` runs only those verbs.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc

from bench.bench_stream_memory import MIB, _children, _peak_kib, server_process, write_pdf
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as rpc
from clearmark.v1 import types_pb2 as pb

PRODUCER = "001191440300708461136T1XGW3"
PLATFORM = "001191440300708461136T2PLAT"
CHUNK = MIB
# What each verb's stream carries: (request, header, options field value).
VERBS: dict[str, tuple[Any, Any, Any]] = {
    "InspectStream": (api.InspectStreamRequest, api.InspectStreamHeader, None),
    "StampStream": (api.StampStreamRequest, api.StampStreamHeader, api.StampOptions(producer_code=PRODUCER)),
    "LabelStream": (api.LabelStreamRequest, api.LabelStreamHeader, api.LabelOptions(platform_code=PLATFORM)),
}


def _requests(verb: str, path: Path) -> Iterator[Any]:
    request_type, header_type, options = VERBS[verb]
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while piece := stream.read(CHUNK):
            digest.update(piece)
    content = pb.ContentHeader(size_bytes=path.stat().st_size, sha256=digest.hexdigest())
    header = header_type(content_header=content, **({"options": options} if options is not None else {}))
    yield request_type(header=header)
    with path.open("rb") as stream:
        while piece := stream.read(CHUNK):
            yield request_type(chunk=piece)


def call(verb: str, path: Path, output: Path, extra_env: dict[str, str], max_text_chars: int) -> dict[str, Any]:
    """One call on a fresh server: seconds, peaks (KiB) of main and worker, output size."""
    with server_process(max_text_chars, extra_env) as (address, process), grpc.insecure_channel(address) as channel:
        stub = rpc.ClearMarkServiceStub(channel)
        workers = _children(process.pid)
        start = time.perf_counter()
        reply = getattr(stub, verb)(_requests(verb, path), timeout=3600)
        size = 0
        if verb != "InspectStream":
            with output.open("wb") as sink:
                for part in reply:
                    if part.WhichOneof("part") == "chunk":
                        sink.write(part.chunk)
                        size += len(part.chunk)
        seconds = time.perf_counter() - start
        workers = workers or _children(process.pid)
        return {
            "seconds": seconds,
            "main": _peak_kib(process.pid),
            "worker": max((_peak_kib(pid) for pid in workers), default=0),
            "size": size,
        }


def _row(path: Path, verb: str, measured: dict[str, Any]) -> str:
    """One table row: input size, verb, time, both peaks, output size."""
    shown = f"{measured['size'] / MIB:.0f} MiB" if measured["size"] else "-"
    return (
        f"| {path.stat().st_size / MIB:.0f} MiB | {verb} | {measured['seconds']:.1f} s "
        f"| {measured['main'] / 1024:.0f} MiB | {measured['worker'] / 1024:.0f} MiB | {shown} |"
    )


def _producer_labelled_mp4(
    folder: Path, bare: Path, path: Path, size: int, frame: tuple[int, int] = (320, 240)
) -> None:
    """A looped H.264 MP4 of about ``size`` bytes (``bare``) and a copy carrying a producer's GB 45438 label."""
    from bench.bench_video_label import LABEL_JSON, _base_clip, _looped
    from clearmark.media.format import write_label_file
    from clearmark.media.sniff import sniff_format
    from clearmark.media.source import Source

    _looped(_base_clip(folder, *frame), bare, "mp4", {}, size)
    write_label_file(sniff_format(Source(path=bare)).container, Source(path=bare), path, LABEL_JSON)


def _has_manifest(path: Path) -> str:
    """Whether c2pa-python's Reader finds a manifest in ``path``, and its validation state."""
    import c2pa

    if not path.exists() or not path.stat().st_size:
        return "-"
    try:
        with path.open("rb") as stream, c2pa.Reader("video/mp4", stream) as reader:
            return reader.get_validation_state()
    except c2pa.C2paError:
        return "no manifest"


def run_mp4(
    sizes_mb: tuple[int, ...],
    max_text_chars: int,
    c2pa: bool = True,
    frame: tuple[int, int] = (320, 240),
    verbs: tuple[str, ...] = ("InspectStream", "StampStream", "LabelStream"),
) -> str:
    """InspectStream, StampStream and LabelStream of MP4s of each size, one fresh server per call."""
    env = {"CLEARMARK_PLATFORM_DRAWS_NOTICE": "false", **({} if c2pa else {"CLEARMARK_C2PA_SIGN": "false"})}
    rows = [
        "| MP4 | verb | time | server main peak RSS | worker peak RSS | output | output C2PA |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="clearmark-out-mp4-") as scratch:
        folder = Path(scratch)
        for size_mb in sizes_mb:
            bare, source, output = (folder / f"{name}-{size_mb}.mp4" for name in ("bare", "in", "out"))
            _producer_labelled_mp4(folder, bare, source, size_mb * MIB, frame)
            signed = folder / f"signed-{size_mb}.mp4"
            inputs = {"InspectStream": source, "StampStream": bare, "LabelStream": source}
            for verb, path in ((verb, inputs[verb]) for verb in verbs):
                output.unlink(missing_ok=True)
                row = _row(path, verb, call(verb, path, output, env, max_text_chars))
                rows.append(f"{row} {_has_manifest(output) if verb != 'InspectStream' else '-'} |")
            if "LabelStream" in verbs:
                output.rename(signed)  # Label's output: with C2PA on, it carries a manifest to validate
                row = _row(signed, "InspectStream", call("InspectStream", signed, output, env, max_text_chars))
                rows.append(f"{row} - |".replace("| InspectStream |", "| InspectStream of Label's output |"))
            for path in (bare, source, output, signed):
                path.unlink(missing_ok=True)
    title = "### Peak server memory, InspectStream, StampStream and LabelStream of large MP4s"
    setup = (
        f"one worker, {frame[0]}x{frame[1]} frames, platform_draws_notice off (metadata-only Label), "
        f"C2PA signing {'on' if c2pa else 'off'}"
    )
    return f"{title}\n\n{setup}\n\n" + "\n".join(rows) + "\n"


def run(
    repeats: int = 1, sizes_mb: tuple[int, ...] = (5, 100, 200), c2pa: bool = True, max_text_chars: int = 256 * 1024
) -> str:
    env = {} if c2pa else {"CLEARMARK_C2PA_SIGN": "false"}
    rows = [
        "| PDF | verb | time | server main peak RSS | worker peak RSS | output |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="clearmark-out-files-") as scratch:
        for size_mb in sizes_mb:
            source, stamped, labelled = (Path(scratch) / f"{name}-{size_mb}.pdf" for name in ("in", "stamped", "out"))
            write_pdf(source, size_mb * MIB)
            for verb, path, output in (
                ("InspectStream", source, Path(scratch) / "none"),
                ("StampStream", source, stamped),
                ("LabelStream", stamped, labelled),
            ):
                rows.append(_row(path, verb, call(verb, path, output, env, max_text_chars)))
            for path in (source, stamped, labelled):
                path.unlink(missing_ok=True)
    setup = (
        f"one worker, text budget max_text_chars = {max_text_chars // 1024} Ki characters, "
        f"C2PA signing {'on (ES256, development key)' if c2pa else 'off'}"
    )
    title = "### Peak server memory, StampStream and LabelStream of large PDFs"
    return f"{title}\n\n{setup}\n\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[5, 100, 200])
    parser.add_argument("--max-text-chars", type=int, default=256 * 1024)
    parser.add_argument("--no-c2pa", action="store_true", help="switch C2PA signing off (CLEARMARK_C2PA_SIGN=false)")
    parser.add_argument("--media", choices=("pdf", "mp4"), default="pdf")
    parser.add_argument("--frame", default="320x240", help="mp4: the looped clip's frame size, WxH")
    parser.add_argument("--verbs", nargs="+", choices=tuple(VERBS), help="mp4: only these verbs")
    args = parser.parse_args(argv)
    if args.media == "mp4":
        width, height = (int(side) for side in args.frame.split("x"))
        verbs = tuple(args.verbs or ("InspectStream", "StampStream", "LabelStream"))
        print(run_mp4(tuple(args.sizes_mb), args.max_text_chars, not args.no_c2pa, (width, height), verbs))
        return 0
    print(run(sizes_mb=tuple(args.sizes_mb), c2pa=not args.no_c2pa, max_text_chars=args.max_text_chars))
    return 0


if __name__ == "__main__":
    sys.exit(main())
