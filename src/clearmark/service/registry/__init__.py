"""The provenance registry: every Stamp and Label recorded, idempotent by request id, looked up per tenant,
by page or by nearest perceptual hash, kept for the retention period."""

from clearmark.service.registry.perceptual import BindingCheck, PerceptualHash, check_binding, perceptual_hash_of
from clearmark.service.registry.store import (
    ProvenanceRecord,
    PurgeResult,
    RecordPage,
    RegistryStore,
    RegistryUnavailable,
    SimilarRecord,
)

__all__ = [
    "BindingCheck",
    "PerceptualHash",
    "ProvenanceRecord",
    "PurgeResult",
    "RecordPage",
    "RegistryStore",
    "RegistryUnavailable",
    "SimilarRecord",
    "check_binding",
    "perceptual_hash_of",
]
