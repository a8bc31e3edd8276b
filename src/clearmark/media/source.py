"""Content as a source: bytes held in memory or a file on disk, read in bounded pieces either way."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from clearmark.core.errors import InvalidMedia, MediaTooLarge

READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """The bytes of one piece of content: ``data`` in memory or the file at ``path``, never both.

    Small unary requests stay in memory; streamed uploads stay spooled on disk, and a worker process
    receives the path, not the bytes. Readers ask for what they need: the head to sniff, a stream to
    hash or parse in pieces, the whole bytes only where a format can be handled no other way.
    """

    data: bytes | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("a Source holds either data or a path")

    @classmethod
    def of(cls, content: bytes | Path | Source) -> Source:
        """A source for bytes, a file path, or an existing source."""
        if isinstance(content, Source):
            return content
        if isinstance(content, Path):
            return cls(path=content)
        return cls(data=bytes(content))

    @cached_property
    def size(self) -> int:
        """The number of bytes."""
        if self.data is not None:
            return len(self.data)
        try:
            return os.stat(self.path).st_size  # type: ignore[arg-type]
        except OSError as exc:
            raise InvalidMedia(f"content file cannot be read: {exc.strerror}") from None

    @classmethod
    def hashed(cls, path: Path, sha256: str) -> Source:
        """A file whose SHA-256 was already computed over exactly its bytes as they were written (a
        streamed upload, checked against its header while it arrived): ``sha256`` does not read it again."""
        source = cls(path=path)
        source.__dict__["sha256"] = sha256.lower()  # where the cached property keeps it (and pickles it)
        return source

    @property
    def in_memory(self) -> bool:
        """True when the bytes are held in memory."""
        return self.data is not None

    @contextlib.contextmanager
    def open(self, buffer_size: int = -1) -> Iterator[BinaryIO]:
        """A binary stream over the content, positioned at its start.

        ``buffer_size`` sizes a file's read buffer (-1: Python's default); a reader that asks for
        many small pieces (c2pa's 8 KiB stream callbacks) wants a large one.
        """
        if self.data is not None:
            yield io.BytesIO(self.data)
            return
        try:
            stream = open(self.path, "rb", buffering=buffer_size)  # type: ignore[arg-type]  # noqa: SIM115
        except OSError as exc:
            raise InvalidMedia(f"content file cannot be read: {exc.strerror}") from None
        with stream:
            yield stream

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer when the content is shorter)."""
        if self.data is not None:
            return self.data[:size]
        with self.open() as stream:
            return stream.read(size)

    def tail(self, size: int) -> bytes:
        """The last ``size`` bytes (all of them when the content is shorter)."""
        if self.data is not None:
            return self.data[-size:] if size else b""
        with self.open() as stream:
            stream.seek(max(0, self.size - size))
            return stream.read(size)

    def chunks(self, chunk_size: int = READ_CHUNK) -> Iterator[bytes]:
        """The content in pieces of at most ``chunk_size`` bytes."""
        if self.data is not None:
            view = memoryview(self.data)
            for start in range(0, len(view), chunk_size):
                yield bytes(view[start : start + chunk_size])
            return
        with self.open() as stream:
            while piece := stream.read(chunk_size):
                yield piece

    def read_bytes(self, limit: int) -> bytes:
        """The whole content, for formats that can only be handled whole.

        Raises:
            MediaTooLarge: the content is bigger than ``limit`` bytes.
        """
        if self.size > limit:
            raise MediaTooLarge(f"content of {self.size} bytes exceeds the {limit}-byte limit for whole-file handling")
        if self.data is not None:
            return self.data
        with self.open() as stream:
            return stream.read()

    def contains(self, needle: bytes, chunk_size: int = READ_CHUNK) -> bool:
        """Whether ``needle`` occurs anywhere in the content, searched in pieces (never the whole file at once)."""
        if self.data is not None:
            return needle in self.data
        carry = b""
        for piece in self.chunks(chunk_size):
            if needle in carry + piece:
                return True
            carry = piece[-(len(needle) - 1) :] if len(needle) > 1 else b""
        return False

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes, hashed in pieces."""
        digest = hashlib.sha256()
        for piece in self.chunks():
            digest.update(piece)
        return digest.hexdigest()


Content = bytes | Source


def content_size(content: Content) -> int:
    """The number of bytes of writer output held in memory or in a file."""
    return content.size if isinstance(content, Source) else len(content)


def as_content(source: Source) -> Content:
    """A source as writer output: its bytes when held in memory (small outputs stay bytes), else the source."""
    return source.data if source.data is not None else source
