"""Decoded PCM of an audio ``Asset``, streamed from its bytes or spooled file under the request's limits."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from clearmark.media.asset import Asset
from clearmark.media.audio.container import audio_limits
from clearmark.media.audio.pcm import AudioInfo, AudioSource, iter_pcm


def pcm_source(asset: Asset) -> AudioSource:
    """What PyAV reads: the spooled file when there is one (never loaded whole), else the bytes."""
    return asset.source.path if asset.source.path is not None else asset.data


def iter_asset_pcm(asset: Asset, *, max_seconds: float | None = None) -> Iterator[tuple[AudioInfo, np.ndarray]]:
    """The asset's PCM in blocks (float32 (frames, channels)), optionally only its first ``max_seconds``.

    Raises:
        InvalidMedia, MediaTooLarge: as ``iter_pcm``.
    """
    seen = 0
    for info, block in iter_pcm(pcm_source(asset), audio_limits(asset.limits, streamed=asset.spec.streamable)):
        if max_seconds is not None:
            room = int(max_seconds * info.sample_rate) - seen
            if room <= 0:
                return
            block = block[:room]
        seen += block.shape[0]
        yield info, block
