"""Tests of clearmark.media, mirroring its modules."""
