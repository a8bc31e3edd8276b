"""Atomic file output: write to a temporary sibling, fsync, rename; a full disk is a clean error."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from clearmark.core.errors import Overloaded

_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class StorageFull(Overloaded):
    """The disk (or quota) ran out while writing; nothing was left behind, a later retry may succeed."""

    default_reason = "DISK_FULL"


def current_umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` so readers see the old file or the new one, never a part.

    Args:
        mode: permissions of the new file; None gives what ``open()`` would (0666 less the umask).

    Raises:
        StorageFull: the file system ran out of space (the partial temporary file is removed).
    """
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask() if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        Path(tmp).unlink(missing_ok=True)
        if error.errno in _NO_SPACE:
            raise StorageFull(f"no space left to write {path.name}; nothing was written") from None
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
