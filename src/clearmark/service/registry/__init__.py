"""The provenance registry: every Stamp and Label recorded, idempotent by request id, looked up per tenant."""

from clearmark.service.registry.store import ProvenanceRecord, RegistryStore, RegistryUnavailable

__all__ = ["ProvenanceRecord", "RegistryStore", "RegistryUnavailable"]
