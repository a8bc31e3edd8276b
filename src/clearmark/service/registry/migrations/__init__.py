"""Alembic migrations of the provenance registry, shipped inside the package and run by ``RegistryStore.migrate``."""
