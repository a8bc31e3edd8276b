"""What the campaign checks' reading of video frames adds to Inspect of the 1080p 10 s clip of ``bench_video``.

Interleaved in one run: the Inspect verb as it is (the campaign reads the OCR text the notice check
already took from the sampled frames and scans ``campaign_video_frames`` = 8 of them for QR codes),
the Inspect verb with the QR scan off (``campaign_video_frames = 0``), the campaign reading alone on
an asset whose frames and detector signals are already there (``campaign_signals``: what Inspect did
not do for video before; before = Inspect - this), the same with all sampled frames scanned, and
PyAV decoding the sampled frames. Run: ``PYTHONPATH=src python -m bench.run video_campaign --repeats 3``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.bench_video import KEY, plain_sample, stamped_clip
from bench.harness import measure, report
from clearmark.campaign.content import campaign_signals
from clearmark.detectors.registry import DetectorContext, run_detectors
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source
from clearmark.media.video import probe_video, sample_times
from clearmark.service.pipelines import PipelineConfig, inspect_content
from clearmark.service.pipelines.workers import detectors_for


def run(repeats: int) -> str:
    repeats = max(1, min(repeats, 5))
    limits = MediaLimits()
    with tempfile.TemporaryDirectory(prefix="bench-video-campaign-") as work:
        folder = Path(work)
        _, _, stamped = stamped_clip(folder, limits)
        times = sample_times(probe_video(stamped))
        detectors = DetectorContext(watermark_key=KEY)
        config = PipelineConfig(watermark_embed=True, detectors=detectors)
        no_qr_detectors = DetectorContext(watermark_key=KEY, campaign_video_frames=0)
        no_qr = PipelineConfig(watermark_embed=True, detectors=no_qr_detectors)
        asset = open_asset(Source.of(stamped), limits)
        signals = run_detectors(detectors_for(detectors), asset)  # the frames are sampled once and kept
        sampled = len(asset.video[1])
        cases = {
            "Inspect verb (campaign reads 8 frames' QR + shared OCR)": lambda: inspect_content(
                Source.of(stamped), config
            ),
            "Inspect verb, campaign QR scan off (campaign_video_frames=0)": lambda: inspect_content(
                Source.of(stamped), no_qr
            ),
            "campaign reading alone (QR on 8 frames + rules)": lambda: campaign_signals(asset, signals),
            f"campaign reading alone (QR on all {sampled} sampled frames + rules)": lambda: campaign_signals(
                asset, signals, video_frames=sampled
            ),
            "reference: PyAV decode of the sampled frames": lambda: plain_sample(stamped, times),
        }
        timings = measure(cases, repeats=repeats, warmup=1)
        inspect = "Inspect verb (campaign reads 8 frames' QR + shared OCR)"
        return report(
            f"Video campaign reading, 1080p H.264 10 s ({sampled} frames sampled)",
            timings,
            [
                (inspect, "reference: PyAV decode of the sampled frames"),
                ("Inspect verb, campaign QR scan off (campaign_video_frames=0)", inspect),
                ("campaign reading alone (QR on 8 frames + rules)", inspect),
                (f"campaign reading alone (QR on all {sampled} sampled frames + rules)", inspect),
            ],
        )


if __name__ == "__main__":
    print(run(3))
