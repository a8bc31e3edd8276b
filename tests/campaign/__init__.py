"""Tests of clearmark.campaign, mirroring its modules."""
