"""Internals shared by the document formats: the OOXML package reader, PDF fonts and incremental updates."""
