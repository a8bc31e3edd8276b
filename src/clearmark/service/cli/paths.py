"""Which files a command reads and writes: ``-`` for stdin/stdout, directories, an output folder.

Every check here runs before any work and before any record: a bad ``-o`` never costs a Stamp.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

STDIO = "-"
SIDECAR_SUFFIX = ".c2pa"


class UsageError(Exception):
    """The command line asks for something impossible; nothing has been done yet."""


@dataclass(frozen=True)
class Source:
    """One input: a file, or stdin when ``path`` is None; ``relative`` names it under an output folder."""

    name: str
    path: Path | None
    relative: Path
    in_directory: bool = False

    def read(self) -> bytes:
        """The input's bytes (all of stdin for ``-``)."""
        return sys.stdin.buffer.read() if self.path is None else self.path.read_bytes()


@dataclass(frozen=True)
class Target:
    """Where one input's result goes: a file, or stdout when ``path`` is None."""

    path: Path | None

    @property
    def to_stdout(self) -> bool:
        return self.path is None


def expand_sources(values: list[str]) -> list[Source]:
    """Files as given, directories walked (sorted; hidden entries and .c2pa sidecars skipped), ``-`` as stdin.

    Raises:
        UsageError: a missing path, an empty directory, stdin twice or beside other inputs.
    """
    if STDIO in values and len(values) > 1:
        raise UsageError("'-' (stdin) must be the only input")
    sources: list[Source] = []
    for value in values:
        if value == STDIO:
            sources.append(Source("<stdin>", None, Path("stdin")))
            continue
        path = Path(value)
        if path.is_dir():
            found = [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix != SIDECAR_SUFFIX
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            if not found:
                raise UsageError(f"{value}: no files in this directory")
            sources += [Source(str(p), p, p.relative_to(path), in_directory=True) for p in found]
        elif path.is_file():
            sources.append(Source(value, path, Path(path.name)))
        else:
            raise UsageError(f"{value}: no such file or directory")
    return sources


def _writable_dir(directory: Path, what: str) -> None:
    if not directory.is_dir():
        raise UsageError(f"{what}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{what}: directory {directory} is not writable")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False


def plan_targets(sources: list[Source], output: str, *, option: str = "-o", suffix: str = "") -> list[Target]:
    """One target per source, checked now: never the input itself, always in a writable directory.

    One input: ``output`` is a file, ``-`` (stdout) or an existing directory. Several inputs (or a
    directory): ``output`` is a folder (created if its parent exists); results keep their relative
    paths. ``suffix`` is appended to each name (``.html`` for reports).

    Raises:
        UsageError: the output would overwrite an input, collide, or cannot be written.
    """
    several = len(sources) > 1 or any(s.in_directory for s in sources)
    if output == STDIO:
        if several:
            raise UsageError(f"{option} -: stdout takes only one input")
        return [Target(None)]
    out = Path(output)
    if several or out.is_dir() or output.endswith(os.sep):
        if out.exists() and not out.is_dir():
            raise UsageError(f"{option} {output}: several inputs need an output folder, and this is a file")
        _writable_dir(out if out.is_dir() else out.parent.resolve(), f"{option} {output}")
        if any(s.path is None for s in sources):
            raise UsageError(f"{option} {output}: stdin needs an output file or '-'")
        targets = [Target(out / (str(s.relative) + suffix)) for s in sources]
    else:
        _writable_dir(out.parent.resolve(), f"{option} {output}")
        targets = [Target(out)]
    seen: set[Path] = set()
    for source, target in zip(sources, targets, strict=True):
        assert target.path is not None
        if source.path is not None and _same_file(source.path, target.path):
            raise UsageError(f"{option} {output}: would overwrite the input {source.name}; choose another output")
        resolved = target.path.resolve()
        if resolved in seen:
            raise UsageError(f"{option} {output}: two inputs would write {target.path}")
        seen.add(resolved)
    return targets


def sidecar_of(source: Source, given: Path | None) -> bytes:
    """The detached manifest store: the one given, else IN.c2pa beside a file input when it exists."""
    if given is not None:
        return given.read_bytes()
    if source.path is None:
        return b""
    beside = source.path.with_suffix(SIDECAR_SUFFIX)
    return beside.read_bytes() if beside.is_file() else b""
