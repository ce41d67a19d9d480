"""Whoosh's segment files read in place, so opening an index copies nothing it does not read.

Whoosh 2.7.4 opens each file inside a segment's compound file as a `BufferFile` over the
memory map and wraps the whole of it in `BytesIO` at once, which copies it: 70 ms for a
10,000-entry index at every open, and as much again at the first search, whatever is read.
`BufferFile`'s own `get*` methods read the map directly (term lookups, stored fields,
columns); the sequential reads (postings block headers, pickles) go through a file object,
which `LazyBufferFile` makes a `MemoryReader` over the map instead of a copy of it.
`use_lazy_buffers()` makes compound files use it.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from whoosh.filedb import compound, structfile


class MemoryReader:
    """The read side of a binary file over a memoryview, without copying the view: what
    Whoosh's sequential reads (block headers, pickles, magic numbers) need of `BytesIO`."""

    def __init__(self, buf: Any) -> None:
        self._buf = memoryview(buf)
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(start + size, len(self._buf))
        self._pos = max(start, end)
        return self._buf[start:end].tobytes()

    def peek(self, size: int = 0) -> bytes:
        """Bytes from the position on, without moving it: lets the C unpickler read a pickle
        with one `peek` and one `read` instead of a `read` per opcode."""
        end = min(self._pos + max(size, 1), len(self._buf))
        return self._buf[self._pos : end].tobytes()

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        limit = len(self._buf) if size is None or size < 0 else self._pos + size
        start = end = self._pos
        while end < min(limit, len(self._buf)):
            chunk = self._buf[end : min(end + 256, limit)].tobytes()
            found = chunk.find(b"\n")
            if found >= 0:
                end += found + 1
                break
            end += len(chunk)
        self._pos = end
        return self._buf[start:end].tobytes()

    def __iter__(self) -> Any:
        while line := self.readline():
            yield line

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._buf))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True
        self._buf = memoryview(b"")


class LazyBufferFile(structfile.BufferFile):
    """A `BufferFile` whose sequential reads go through a `MemoryReader` made on first use,
    instead of a `BytesIO` copy of the whole buffer made when it is opened."""

    def __init__(self, buf: Any, name: str | None = None, onclose: Any = None) -> None:
        self._buf = buf
        self._name = name
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    @cached_property
    def file(self) -> MemoryReader:  # type: ignore[override]
        return MemoryReader(self._buf)

    def subset(self, position: int, length: int, name: str | None = None) -> LazyBufferFile:
        return LazyBufferFile(self.get(position, length), name=name or self._name)

    def close(self) -> None:
        if "file" in self.__dict__:
            super().close()
            return
        if self.is_closed:
            raise Exception("This file is already closed")
        if self.onclose:
            self.onclose(self)
        self.is_closed = True


def use_lazy_buffers() -> None:
    """Make Whoosh's compound (segment) files open their parts as `LazyBufferFile`s."""
    compound.BufferFile = LazyBufferFile  # type: ignore[misc]
