"""core.memory: freed heap pages go back to the OS before c2pa's large allocation."""

from __future__ import annotations

import subprocess
import sys

import pytest

from clearmark.core.memory import _malloc_trim, release_free_memory

# In a fresh process (mallopt changes the whole process): frames' worth of heap blocks (mmap threshold
# raised, as glibc does by itself once large blocks were freed), freed, then trimmed.
_PROBE = r"""
import ctypes, ctypes.util
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.mallopt(-3, 64 * 1024 * 1024)  # M_MMAP_THRESHOLD: 6 MiB blocks come from the heap
def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) // 1024
blocks = [bytearray(b"\x01") * (6 * 1024 * 1024) for _ in range(24)]  # 144 MiB, like 19 sampled 1080p frames
keep = bytearray(b"\x01") * (1024 * 1024)  # allocated last: the heap top stays in use, free() cannot shrink it
del blocks
freed = rss()
from clearmark.core.memory import release_free_memory
assert release_free_memory()
print(freed, rss())
"""


@pytest.mark.skipif(_malloc_trim() is None, reason="no glibc malloc_trim here")
def test_freed_heap_blocks_leave_the_resident_set() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True)
    freed, trimmed = (int(v) for v in done.stdout.split())
    assert freed - trimmed > 100  # MiB: the freed blocks stayed resident until trimmed


def test_it_is_safe_to_call_anywhere() -> None:
    assert release_free_memory() is (_malloc_trim() is not None)
