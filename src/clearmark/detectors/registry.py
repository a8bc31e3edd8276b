"""The detector registry: name -> factory; every detector is read-only, ``Asset -> list[Signal]``."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from clearmark.core.enums import MediaKind
from clearmark.core.errors import ClearMarkError
from clearmark.core.signals import Signal
from clearmark.media.asset import Asset
from clearmark.media.views import DerivedView
from clearmark.watermark.external import ExternalModelSpec


class Detector(Protocol):
    """A read-only analyser of one or more modalities.

    A detector whose time is mostly native code that lets go of the GIL (the OCR models) may declare
    a class attribute ``runs_beside = True``: ``run_detectors`` then starts it on a helper thread
    first and runs the others meanwhile.
    """

    name: str
    version: str
    kinds: frozenset[MediaKind]

    def detect(self, asset: Asset) -> list[Signal]:
        """Every signal this detector finds in the asset; an empty list when it finds nothing."""
        ...


@dataclass(frozen=True)
class DetectorContext:
    """What factories may need: injectable paths to bundled data, and C2PA trust configuration.

    ``c2pa_trust_anchors_pem`` is a PEM bundle of roots (none: valid manifests stay "Valid",
    never "Trusted"); ``c2pa_allowed_ekus`` are signer EKU OIDs accepted beyond c2pa's built-in
    set; ``c2pa_fetch_remote`` lets c2pa fetch manifests an asset only points to (off: reported).
    ``watermark_key`` is the deployment's watermark secret (none: ClearMark's mark is not read);
    ``watermark_models`` are operator-supplied weights of other systems' watermark readers.
    ``ocr_mode`` is where OCR reads: ``gated`` (the whole image where a cheap text-region gate
    fires), ``bands`` (the edge bands, ``ocr_band_ratio`` of the shortest side deep) or ``whole``;
    ``ocr_whole_image`` forces ``whole``; ``ocr_gated_text_px`` is how tall (pixels) gated
    detection keeps text 1.6 % of the shortest side (0: gated regions at full resolution, when
    small). ``campaign_rule_pack`` is an operator's rule pack (none:
    the starter pack shipped in ``clearmark.campaign``). ``campaign_video_frames`` caps the sampled
    frames of a video the campaign checks scan for QR codes. ``classifier_dir`` is a local
    transformers model directory (none: no classifier) and ``classifier_calibration`` its
    score-to-false-positive-rate JSON; ``classifier_name`` names its signals, ``classifier_timeout_s``
    bounds one call.
    """

    font_path: Path | None = None
    c2pa_trust_anchors_pem: Path | None = None
    c2pa_allowed_ekus: tuple[str, ...] = ()
    c2pa_fetch_remote: bool = False
    # Also trust the bundled snapshot of the public C2PA trust list (assets/c2pa).
    c2pa_public_trust_list: bool = False
    watermark_key: bytes | None = field(default=None, repr=False)
    # The image mark's second decoding pass (harder edits; 2.3-3.5x the time on unmarked pictures).
    watermark_wide_search: bool = False
    watermark_models: tuple[ExternalModelSpec, ...] = ()
    ocr_band_ratio: float = 0.2
    ocr_whole_image: bool = False
    ocr_mode: str = "gated"
    ocr_gated_text_px: int = 11
    campaign_rule_pack: Path | None = None
    campaign_video_frames: int = 8
    classifier_dir: Path | None = None
    classifier_calibration: Path | None = None
    classifier_name: str = "default"
    classifier_timeout_s: float = 10.0
    # A local tokenizer (tokenizer.json or a directory) for the green-list text watermark, keyed by
    # ``watermark_key``; none: text is not scored.
    text_watermark_tokenizer: Path | None = None
    # Party code -> SM2 public key (hex) for TC260 SecurityData: origin is proven only under these.
    sm2_pinned_keys: tuple[tuple[str, str], ...] = ()


DetectorFactory = Callable[[DetectorContext], Detector]
DETECTOR_FACTORIES: dict[str, DetectorFactory] = {}


def register_detector(name: str) -> Callable[[DetectorFactory], DetectorFactory]:
    """Class or function decorator adding a factory to the registry under ``name``."""

    def add(factory: DetectorFactory) -> DetectorFactory:
        if name in DETECTOR_FACTORIES:
            raise ValueError(f"detector {name!r} registered twice")
        DETECTOR_FACTORIES[name] = factory
        return factory

    return add


def build_detectors(context: DetectorContext, names: Iterable[str] | None = None) -> tuple[Detector, ...]:
    """Instantiate the named detectors (all registered ones by default), in registry order."""
    chosen = list(DETECTOR_FACTORIES) if names is None else list(names)
    unknown = [n for n in chosen if n not in DETECTOR_FACTORIES]
    if unknown:
        raise ValueError(f"unknown detectors {unknown}; known: {sorted(DETECTOR_FACTORIES)}")
    return tuple(DETECTOR_FACTORIES[n](context) for n in chosen)


def run_detectors(
    detectors: Iterable[Detector],
    asset: Asset,
    beside: Executor | None = None,
    meanwhile: Iterable[DerivedView[object]] = (),
) -> tuple[Signal, ...]:
    """All signals of the detectors that handle the asset's modality, in detector order.

    With ``beside``, the detectors that declare ``runs_beside`` start there before the others run
    here; the signals and their order are the same either way (the asset's lazy reads are shared
    and computed once, see ``media.asset``). While they finish, this thread computes the
    ``meanwhile`` views the caller reads next; one that fails is left to that reader, who meets the
    error where it is handled.
    """
    chosen = [d for d in detectors if asset.kind in d.kinds]
    started: dict[int, Future[list[Signal]]] = {}
    if beside is not None:
        started = {id(d): beside.submit(d.detect, asset) for d in chosen if getattr(d, "runs_beside", False)}
    found = {id(d): d.detect(asset) for d in chosen if id(d) not in started}  # the others, meanwhile
    if started:
        for view in meanwhile:
            with contextlib.suppress(ClearMarkError):
                asset.view(view)
    found.update((key, job.result()) for key, job in started.items())
    return tuple(signal for d in chosen for signal in found[id(d)])
