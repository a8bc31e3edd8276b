"""Peak memory of c2pa-python signing an MP4 file to file, beside copying the same file (issue 11's large-MP4 C2PA gap).

``PYTHONPATH=src:. .venv/bin/python -m bench.bench_c2pa_mp4_memory [--sizes-mb 20 100 200]`` makes a
looped H.264 MP4 of each size (``bench.bench_video_label``), then for each way of signing runs one
fresh Python process that imports c2pa, records its resident set, signs (or copies) once and prints
the rise of its peak resident set (``VmHWM``) over that: what the asset costs in memory, the
interpreter and the library excluded. The ways: ``copy`` (``shutil.copyfile``, the reference),
``sign`` (``Builder.sign`` on a file opened for reading and one opened ``w+b``, what
``labels.c2pa_manifest`` does), ``sign_file`` (``Builder.sign_file`` on the two paths) and
``sign merkle`` (``sign`` with ``core.merkle_tree_chunk_size_in_kb`` set: the BMFF v3 hash of ``mdat``
in 1 MiB Merkle chunks); ``--mov`` makes QuickTime movies instead (``video/quicktime``). Then, on
the signed output, the two ways that hold an asset already carrying
a manifest: ``read`` (``Reader`` with its validation, what Inspect and Verify do) and ``sign parent``
(``Builder.add_ingredient`` of the signed file as parent, then ``sign``: what Label does with an upload
whose producer signed it). ``--c2pa-path DIR`` puts another c2pa-python build first on the probe's path.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1024 * 1024
MODES = ("copy", "sign", "sign_file", "sign merkle")
# Run on the output of "sign" (an asset that already carries a manifest).
SIGNED_MODES = ("read", "sign parent")

_PROBE = r"""
import json, shutil, sys
mode, source, target, chain_path, key_path, mime = sys.argv[1:7]

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

import c2pa
chain, key = open(chain_path, "rb").read(), open(key_path, "rb").read()
definition = {
    "claim_generator_info": [{"name": "ClearMark", "version": "bench"}],
    "assertions": [{"label": "c2pa.actions", "data": {"actions": [{"action": "c2pa.created",
        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"}]}}],
}
settings = {"builder": {"thumbnail": {"enabled": False}}}
if mode == "sign merkle":
    settings["core"] = {"merkle_tree_chunk_size_in_kb": 1024}
before = status("VmRSS")
if mode == "read":
    with open(source, "rb") as src, c2pa.Reader(mime, src) as reader:
        reader.json()
        state = reader.get_validation_state()
    print(json.dumps({"rise": status("VmHWM") - before, "version": c2pa.sdk_version(), "state": str(state)}))
    raise SystemExit(0)
if mode == "copy":
    shutil.copyfile(source, target)
else:
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", chain, key, None))
    with c2pa.Context.from_dict(settings, signer) as context, c2pa.Builder(definition, context) as builder:
        if mode == "sign_file":
            builder.sign_file(source, target)
        elif mode == "sign parent":
            definition["assertions"][0]["data"]["actions"] = [
                {"action": "c2pa.opened", "parameters": {"ingredientIds": ["parent"]}}, {"action": "c2pa.published"}]
            with c2pa.Builder(definition, context) as parented, open(source, "rb") as src, open(target, "w+b") as dst:
                parented.add_ingredient({"title": "parent", "relationship": "parentOf", "label": "parent"},
                                        mime, src)
                src.seek(0)
                parented.sign(mime, src, dst)
        else:
            with open(source, "rb") as src, open(target, "w+b") as dst:
                builder.sign(mime, src, dst)
rise = status("VmHWM") - before  # before the validation read below, which has its own cost
valid = ""
if mode != "copy":
    with c2pa.Reader(mime, open(target, "rb")) as reader:
        valid = reader.get_validation_state() if hasattr(reader, "get_validation_state") else ""
print(json.dumps({"rise": rise, "version": c2pa.sdk_version(), "state": str(valid)}))
"""


def probe(
    mode: str,
    source: Path,
    target: Path,
    chain: Path,
    key: Path,
    c2pa_path: str | None,
    *,
    keep: bool = False,
    mime: str = "video/mp4",
) -> dict[str, object]:
    """One fresh process: the rise of its peak RSS while it signs, copies or reads ``source`` once."""
    env = dict(os.environ)
    if c2pa_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (c2pa_path, env.get("PYTHONPATH"))))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode, str(source), str(target), str(chain), str(key), mime],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    if not keep:
        target.unlink(missing_ok=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    sizes_mb: tuple[int, ...] = (20, 100, 200),
    c2pa_path: str | None = None,
    modes: tuple[str, ...] = MODES + SIGNED_MODES,
    mov: bool = False,
) -> str:
    """The Markdown table: each size and way, the peak-RSS rise and its ratio to the file's size."""
    from bench.bench_video_label import _base_clip, _looped
    from clearmark.service.keys import ensure_dev_signing_material

    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)
    muxer, suffix, mime = ("mov", ".mov", "video/quicktime") if mov else ("mp4", ".mp4", "video/mp4")
    head = f"| {muxer.upper()} | way | c2pa-rs | peak RSS rise | rise / file | validation |"
    rows = [head, "|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="clearmark-c2pa-mp4-") as scratch:
        folder = Path(scratch)
        material = ensure_dev_signing_material(folder / "keys")
        base = _base_clip(folder)
        for size_mb in sizes_mb:
            source = folder / f"in-{size_mb}{suffix}"
            _looped(base, source, muxer, {}, size_mb * MIB)
            size = source.stat().st_size
            signed = folder / f"signed{suffix}"
            chain, key = material.cert_chain_pem, material.private_key_pem
            probe("sign", source, signed, chain, key, c2pa_path, keep=True, mime=mime)
            for mode in modes:
                found = probe(
                    mode,
                    signed if mode in SIGNED_MODES else source,
                    folder / f"out{suffix}",
                    chain,
                    key,
                    c2pa_path,
                    mime=mime,
                )
                rise = int(found["rise"])  # type: ignore[call-overload]
                rows.append(
                    f"| {size / MIB:.0f} MiB | {mode} | {found['version']} | {rise / MIB:.0f} MiB | "
                    f"{rise / size:.2f}x | {found['state'] or '-'} |"
                )
            source.unlink()
            signed.unlink()
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--modes", nargs="+", choices=MODES + SIGNED_MODES, help="only these ways (default: all)")
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[20, 100, 200])
    parser.add_argument("--mov", action="store_true", help="QuickTime movies instead of MP4")
    parser.add_argument("--c2pa-path", help="a directory holding another c2pa-python build, put first on the path")
    args = parser.parse_args(argv)
    print(run(tuple(args.sizes_mb), args.c2pa_path, tuple(args.modes or MODES + SIGNED_MODES), args.mov))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
