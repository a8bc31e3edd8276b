"""Tests of clearmark.detectors, mirroring its modules."""
