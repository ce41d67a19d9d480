"""The one module that relies on Whoosh 2.7.4's private internals, fenced.

Four shortcuts make search fast enough to type into: posting blocks read without their
values (ranking needs only document numbers and weights), positions decoded only for the
documents that need them, a block's at once (phrases), bytes columns read whole (title
order), and segment files read in place instead of copied, their terms directories in one
read (`use_lazy_buffers`). Each rests on Whoosh's private layout: the pickle of a postings
block, `W3LeafMatcher`'s fields, the field-length and bytes columns, `compound.BufferFile`,
the hash file's directory.

They are used only when the installed Whoosh is the version they were written against and
`PRACTICEBASE_PUBLIC_WHOOSH` is not set to 1; otherwise every function here answers through
Whoosh's public matchers and readers, more slowly but with the same results (the differential
tests in tests/search/test_bulk_scoring.py run both ways). Nothing else in practicebase may
name a Whoosh underscore attribute (tests/search/test_whoosh_fence.py).
"""

from __future__ import annotations

import os
import pickle
import zlib
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property, partial, reduce
from itertools import accumulate, compress, repeat
from operator import add, attrgetter, getitem, itemgetter, not_, or_
from typing import Any

import whoosh
from whoosh import formats
from whoosh.filedb import compound, filetables, structfile
from whoosh.system import _INT_SIZE

from practicebase import analysis

SUPPORTED_VERSION = "2.7.4"


def private_allowed() -> bool:
    """True when the private shortcuts may be used: the Whoosh they were written for, and
    not switched off with PRACTICEBASE_PUBLIC_WHOOSH=1. Read at each call, so tests can run
    both paths in one process."""
    if os.environ.get("PRACTICEBASE_PUBLIC_WHOOSH", "") == "1":
        return False
    return whoosh.versionstring() == SUPPORTED_VERSION


# --- segment files read in place -----------------------------------------------------------


# The most `MemoryReader.peek` copies at once.
PEEK_BYTES = 4096


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
        with one `peek` and one `read` instead of a `read` per opcode. At most PEEK_BYTES:
        the unpickler asks for 128 KB whatever the pickle's size, and copying that much for
        each posting block's 40-byte header was most of the cost of stepping to the block
        (it peeks again when a pickle is longer)."""
        end = min(self._pos + max(1, min(size, PEEK_BYTES)), len(self._buf))
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
    instead of a `BytesIO` copy of the whole buffer made when it is opened (70 ms per open of
    a 10,000-entry index, and as much again at the first search)."""

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


_ORIGINAL_BUFFER_FILE = compound.BufferFile
_ORIGINAL_HASH_READER_INIT = filetables.HashReader.__init__


def _hash_reader_init(
    self: Any, dbfile: Any, length: int | None = None, magic: bytes = b"HSH3", startoffset: int = 0
) -> None:
    """`filetables.HashReader.__init__` (Whoosh 2.7.4), reading the directory of 256 hash
    tables at the end of a terms file with one read instead of one read per table: opening
    an index opens one such file per segment."""
    self.dbfile = dbfile
    self.startoffset = startoffset
    self.is_closed = False
    if length is None:
        dbfile.seek(0, os.SEEK_END)
        length = dbfile.tell() - startoffset
    dbfile.seek(startoffset)
    filemagic = dbfile.read(4)
    if filemagic != magic:
        raise filetables.FileFormatError(f"Unknown file header {filemagic!r}")
    self.hashtype = dbfile.read_byte()
    self.hashfn = filetables._hash_functions[self.hashtype]
    dbfile.read_int()  # two ints Whoosh reserves
    dbfile.read_int()
    self.startofdata = dbfile.tell()
    exptr = startoffset + length - _INT_SIZE
    expos = exptr - dbfile.get_int(exptr)
    dbfile.seek(expos)
    self._read_extras()
    dbfile.seek(expos - filetables._directory_size)
    directory = dbfile.read(filetables._directory_size)
    self.tables = list(filetables._dir_entry.iter_unpack(directory))
    self.endofdata = self.tables[0][0]


def use_lazy_buffers() -> None:
    """Make Whoosh's compound (segment) files open their parts as `LazyBufferFile`s and its
    terms files read their directory at once, when the private shortcuts are allowed (else
    Whoosh's own code)."""
    private = private_allowed()
    compound.BufferFile = LazyBufferFile if private else _ORIGINAL_BUFFER_FILE  # type: ignore[misc]
    filetables.HashReader.__init__ = (  # type: ignore[method-assign]
        _hash_reader_init if private else _ORIGINAL_HASH_READER_INIT
    )


# --- field lengths -------------------------------------------------------------------------


def _length_table() -> list[int]:
    from whoosh.util.numeric import byte_to_length

    return [byte_to_length(i) for i in range(256)]


_LENGTHS: list[int] | None = None


def field_lengths(reader: Any, field: str) -> list[int]:
    """The length of `field` in each document of one segment's reader, by document number.

    Private: the whole length column read as bytes at once. Public: one call per document."""
    global _LENGTHS
    n = reader.doc_count_all()
    if private_allowed():
        try:
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

            col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            if col is None:
                return [0] * n
            if _LENGTHS is None:
                _LENGTHS = _length_table()
            table = _LENGTHS
            raw = col._dbfile.get(col._basepos, min(col._count, n))
            return [table[b] for b in raw] + [0] * max(0, n - len(raw))
        except AttributeError:  # another codec or layout: the public way below
            pass
    return [reader.doc_field_length(d, field, 0) or 0 for d in range(n)]


# --- bytes columns -------------------------------------------------------------------------


def column_bytes(reader: Any, name: str) -> list[bytes]:
    """Every document's value of a `VarBytesColumn` column, by document number (deleted
    documents too; b"" where a segment has no such column).

    Private: each segment's values cut from one read of its column's bytes. Public: Whoosh's
    column reader, one call per document (50,000 calls took 0.2 s)."""
    n = reader.doc_count_all()
    if private_allowed():
        from whoosh.columns import VarBytesColumn

        values: list[bytes] = []
        for leaf, _offset in reader.leaf_readers():
            count = leaf.doc_count_all()
            if not leaf.has_column(name):
                values.extend([b""] * count)
                continue
            col = leaf.column_reader(name, translate=False)
            if type(col) is not VarBytesColumn.Reader or len(col._lengths) != count:
                break  # another layout: the public way below
            if count:
                # A value is the bytes at its offset for its length (`Reader.__getitem__`).
                starts, lengths = col._offsets, col._lengths
                data = col._dbfile.get(col._basepos, max(map(add, starts, lengths)))
                values.extend(map(data.__getitem__, map(slice, starts, map(add, starts, lengths))))
        else:
            return values
    column = reader.column_reader(name) if n else None
    if column is None:
        return [b""] * n
    return [column[d] for d in range(n)]


# --- posting blocks ------------------------------------------------------------------------

# In Whoosh 2.7.4 a postings block is a zlib-compressed protocol-2 pickle of the tuple
# (ids, weights, values). A positional field's values are one pickled `bytes` per posting,
# and unpickling protocol-2 bytes (through `_codecs.encode`) is three quarters of the cost of
# reading the block. Ranking needs only ids and weights: `_block_ids_weights` unpickles the
# stream up to the values tuple, whose MARK comes just before the first `_codecs.encode`.
_BYTES_GLOBAL = b"c_codecs\nencode\n"
_MARK = ord("(")
# A block's ids and weights take at most 128 * (5 + 9) bytes of the decompressed stream.
_HEAD_BYTES = 4096
_HEAD_WIDEST = 5 + 9
# Decompression costs about as much as the bytes it makes: a block is first inflated only as
# far as the previous block of the same list needed (ids and weights of one list are about as
# wide from block to block), plus this much, and further only when that was not enough.
_HEAD_SLACK = 96


def _leaf_postings(reader: Any, field: str, btext: bytes) -> tuple[Any, frozenset[int]]:
    """(matcher, deleted docnums) of one term in one segment: Whoosh wraps the postings of a
    segment with deletions in a filter that skips them one posting at a time; unwrapped, its
    blocks can be read whole and the deleted documents dropped from them."""
    from whoosh.matching.wrappers import FilterMatcher

    m = reader.postings(field, btext)
    if type(m) is FilterMatcher and m._exclude and _is_w3_leaf(m.child):
        return m.child, m._ids
    return m, frozenset()


def _is_w3_leaf(m: Any) -> bool:
    from whoosh.codec.whoosh3 import W3LeafMatcher

    return isinstance(m, W3LeafMatcher)


def _decoded(m: Any, ids: Any, weights: Any, n: int) -> tuple[Any, Any]:
    """A block's stored ids and weights as Whoosh decodes them: ids un-delta-coded unless
    stored as bytes, and a missing or single weight repeated for each of the `n` postings."""
    if not m._byteids:
        ids = tuple(accumulate(ids))
    if weights is None:
        weights = (1.0,) * n
    elif isinstance(weights, float):
        weights = (weights,) * n
    return ids, weights


def _block_ids_weights(m: Any, guess: int = 0) -> tuple[Any, Any, int]:
    """(docnums, weights, bytes of the stream they took) of the current block of a W3 leaf
    matcher, without its values; `guess` is how far to inflate the block first (what the
    previous block of the list took), 0 for as far as the widest ids and weights could go.

    Any block not laid out as expected is read the ordinary way, so the result is always
    Whoosh's own."""
    if m._data is None and m._compression:
        raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        inflate = zlib.decompressobj()
        first = guess + _HEAD_SLACK if guess else _HEAD_WIDEST * m._blocklength + _HEAD_SLACK
        head = inflate.decompress(raw, min(first, _HEAD_BYTES))
        at = head.find(_BYTES_GLOBAL)
        if at < 0 and len(head) < _HEAD_BYTES and inflate.unconsumed_tail:
            head += inflate.decompress(inflate.unconsumed_tail, _HEAD_BYTES - len(head))
            at = head.find(_BYTES_GLOBAL)
        if at > 0 and head[at - 1] == _MARK:
            try:
                ids, weights, _ = pickle.loads(head[: at - 1] + b"N\x87.")
            except Exception:  # noqa: BLE001 - not the layout expected: read it whole
                ids = None
            n = m._blocklength
            if (
                isinstance(ids, tuple | bytes)
                and len(ids) == n
                and (weights is None or isinstance(weights, float) or len(weights) == n)
            ):
                return (*_decoded(m, ids, weights, n), at)
    if m._data is None:
        m._read_data()
    data = m._data
    n = m._blocklength
    if isinstance(data, tuple) and len(data) == 3 and len(data[0]) == n:
        # Whoosh's own decoding, without a generator step per posting (`delta_decode`, and
        # `array("f", ...)` filled one weight at a time): the short uncompressed blocks of
        # keyword fields are read this way.
        return (*_decoded(m, data[0], data[1], n), 0)
    m._read_ids()
    m._read_weights()
    return m._ids, m._weights, 0


def _without(
    ids: Sequence[int], weights: Sequence[float], deleted: list[int]
) -> tuple[Sequence[int], Sequence[float]]:
    """A block's postings without those of `deleted` (sorted docnums): found by bisection,
    since a block holds few of them if any."""
    lo = bisect_left(deleted, ids[0]) if ids else 0
    hi = bisect_right(deleted, ids[-1]) if ids else 0
    if lo == hi:
        return ids, weights
    ids, weights = list(ids), list(weights)
    for docnum in reversed(deleted[lo:hi]):
        at = bisect_left(ids, docnum)
        if at < len(ids) and ids[at] == docnum:
            del ids[at], weights[at]
    return ids, weights


def postings_blocks(
    reader: Any, field: str, btext: bytes
) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(segment docnums, weights) of the live documents holding a term in one segment's
    reader, a block at a time (or one posting at a time on the public path)."""
    if (field, btext) not in reader:
        return
    if private_allowed():
        m, deleted = _leaf_postings(reader, field, btext)
        if _is_w3_leaf(m):
            dead = sorted(deleted)
            guess = 0
            while m.is_active():
                ids, weights, guess = _block_ids_weights(m, guess)
                yield _without(ids, weights, dead) if dead else (ids, weights)
                m._next_block()
            return
    else:
        m = reader.postings(field, btext)
    while m.is_active():
        yield (m.id(),), (m.weight(),)
        m.next()


# --- positions and character offsets -------------------------------------------------------
#
# A positional posting's value is a 4-byte count and a protocol-2 pickle of the position deltas
# (for `Characters`, of (delta, start, length) tuples) whose STOP may be trimmed; in the block's
# pickle each value is `_codecs.encode(text, "latin1")`, whose call is half the cost of
# unpickling the block. `_block_texts` unpickles a block with that call replaced by `slice`
# (a C constructor keeping its argument), so the values stay latin-1 text; the wanted values'
# pickles are then joined into one pickle of a tuple and decoded in one `pickle.loads`. Each
# value's pickle is self-contained (it reads back only memo entries it wrote itself, and ints
# are never memoised), so the joined pickle gives exactly the lists the values give one by one.


class _TextValuesUnpickler(pickle.Unpickler):
    """Unpickles a postings block with `_codecs.encode(text, "latin1")` made `slice(text,
    "latin1")`: each value is left as a slice whose `start` is the value as latin-1 text."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "_codecs" and name == "encode":
            return slice
        return super().find_class(module, name)


def _block_texts(m: Any) -> tuple[Any, Any, tuple] | None:
    """(docnums, weights, values as slices of latin-1 text) of the current block of a W3 leaf
    matcher, or None when the block is not laid out as expected (read it the ordinary way)."""
    raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
    try:
        data = zlib.decompress(raw) if m._compression else raw
        ids, weights, values = _TextValuesUnpickler(MemoryReader(data)).load()
    except Exception:  # noqa: BLE001 - not the layout expected
        return None
    n = m._blocklength
    if type(ids) is not tuple or type(values) is not tuple or not len(ids) == len(values) == n:
        return None  # (ids stored as bytes, say)
    if not (weights is None or type(weights) is float or len(weights) == n):
        return None
    ids, weights = _decoded(m, ids, weights, n)
    return ids, weights, values


_START = attrgetter("start")
_LAST = itemgetter(-1)
_AFTER_COUNT = slice(4, None)
_BETWEEN_COUNT_AND_STOP = slice(4, -1)


def _joined_codes(texts: list[str]) -> tuple | None:
    """The unpickled codes (deltas, or delta tuples) of each posting value given as latin-1
    text, decoded in one `pickle.loads`; None when they are not one pickle each. Raises
    TypeError or IndexError for a value that is not text, or empty."""
    stops = "".join(map(_LAST, texts)).count(".")
    if stops == len(texts):  # (slices taken in C, not a Python step per value)
        body = "".join(map(getitem, texts, repeat(_BETWEEN_COUNT_AND_STOP)))
    elif not stops:
        body = "".join(map(getitem, texts, repeat(_AFTER_COUNT)))
    else:
        body = "".join([t[4:-1] if t[-1] == "." else t[4:] for t in texts])
    try:
        codes = pickle.loads(b"(" + body.encode("latin-1") + b"t.")
    except Exception:  # noqa: BLE001 - not pickles of lists: decode them one by one
        return None
    if type(codes) is not tuple or len(codes) != len(texts):
        return None
    return codes


# An int with bit p set for each position p: what a phrase check needs (a shift and an AND per
# word), and no container object for the garbage collector to track (a list per posting made
# the collector's passes a third of a phrase's first use).
_BIT_OF = (1).__lshift__


def _bits_of_deltas(many: Sequence[list[int]]) -> list[int]:
    """The position bits of each list of position deltas (most hold one position)."""
    return [
        1 << deltas[0] if len(deltas) == 1 else reduce(or_, map(_BIT_OF, accumulate(deltas)))
        for deltas in many
    ]


def _many_decoder(fmt: Any, kind: str) -> Callable[[tuple], Sequence] | None:
    """For Whoosh's Positions and Characters formats and `kind` "positions" or "bits", a
    function from the unpickled codes of several values to their decoded values, the
    per-position loops in C; else None."""
    if kind not in ("positions", "bits"):
        return None
    if type(fmt) is formats.Positions:
        if kind == "bits":
            return _bits_of_deltas
        return lambda many: list(map(list, map(accumulate, many)))
    if type(fmt) is formats.Characters:
        firsts = partial(map, itemgetter(0))
        if kind == "bits":
            return lambda many: _bits_of_deltas(list(map(list, map(firsts, many))))
        return lambda many: list(map(list, map(accumulate, map(firsts, many))))
    return None


def _decoder(fmt: Any, kind: str) -> Callable[[bytes], Any]:
    """A function decoding one posting value as `kind`: Whoosh's own, or for its Positions
    and Characters formats the same decoding with the per-position loop done in C."""
    if kind == "bits":
        positions_of = _decoder(fmt, "positions")
        return lambda value: position_bits(positions_of(value))
    many = _many_decoder(fmt, kind)
    if many is not None:
        loads = pickle.loads

        def decode(value: bytes) -> list:
            # A value is a 4-byte count and a pickle of deltas whose STOP may be trimmed.
            return many((loads(value[4:] if value.endswith(b".") else value[4:] + b"."),))[0]

        return decode
    return getattr(fmt, f"decode_{kind}")


def position_bits(places: Sequence[int]) -> int:
    """An int with bit p set for each position p in `places`."""
    bits = 0
    for place in places:
        bits |= 1 << place
    return bits


def positions(
    reader: Any, field: str, btext: bytes, wanted: list[int], kind: str = "positions"
) -> dict[int, Any]:
    """Segment docnum -> decoded postings value of one term, for the sorted live docnums in
    `wanted`. `kind`: "positions"; "bits", an int with bit p set for each position p (see
    `position_bits`); or "characters", (position, start, end) each.

    Private: reads the segment's postings directly and decodes only the blocks that hold a
    wanted document, a block's wanted values in one go. Public: skips the matcher to each
    wanted document."""
    out: dict[int, Any] = {}
    if wanted:
        _decode_postings(reader, field, btext, wanted, kind, out, None)
    return out


def phrase_postings(
    reader: Any, field: str, btext: bytes, wanted: list[int] | None = None
) -> tuple[dict[int, int], dict[int, float]]:
    """(segment docnum -> position bits, docnum -> weight) of one term, for the sorted live
    docnums in `wanted`, or for every live document holding it when None: what a phrase
    check needs of each word, in one reading of its postings. The weights are those
    `postings_blocks` gives."""
    bits: dict[int, int] = {}
    weights: dict[int, float] = {}
    if wanted is None or wanted:
        _decode_postings(reader, field, btext, wanted, "bits", bits, weights)
    return bits, weights


def _decode_postings(
    reader: Any,
    field: str,
    btext: bytes,
    wanted: list[int] | None,
    kind: str,
    out: dict[int, Any],
    weights: dict[int, float] | None,
) -> None:
    """Fill `out` (and `weights` unless None) for `positions` and `phrase_postings`."""
    if (field, btext) not in reader:
        return
    if private_allowed():
        m, deleted = _leaf_postings(reader, field, btext)
        if _is_w3_leaf(m):
            fmt = reader.schema[field].format
            decode = _decoder(fmt, kind)
            many = _many_decoder(fmt, kind)
            # Which postings of a block to decode (`wanted` holds no deleted document).
            if wanted is not None:
                select = partial(map, set(wanted).__contains__)
            elif deleted:
                select = _not_in(deleted)
            else:
                select = None
            i, n = 0, len(wanted) if wanted is not None else 0
            while m.is_active() and (wanted is None or i < n):
                top = m.block_max_id()
                # (else no wanted document in this block: not unpickled)
                if wanted is None or wanted[i] <= top:
                    if not _block_values(m, select, decode, many, out, weights):
                        m._read_ids()
                        m._read_weights()
                        m._read_values()
                        chosen = select(m._ids) if select is not None else repeat(True)
                        postings = zip(m._ids, m._weights, m._values, chosen, strict=False)
                        for docnum, w, value, keep in postings:
                            if keep:
                                out[docnum] = decode(value)
                                if weights is not None:
                                    weights[docnum] = w
                    if wanted is not None:
                        i = bisect_right(wanted, top, i)
                m._next_block()
            return
    m = reader.postings(field, btext)  # (which skips deleted documents)
    value_kind = "positions" if kind == "bits" else kind
    for docnum in wanted if wanted is not None else repeat(None):
        if not m.is_active():
            break
        if docnum is not None and m.id() < docnum:
            m.skip_to(docnum)
            if not m.is_active():
                break
        if docnum is None or m.id() == docnum:
            value = m.value_as(value_kind)
            out[m.id()] = position_bits(value) if kind == "bits" else value
            if weights is not None:
                weights[m.id()] = m.weight()
            if docnum is None:
                m.next()


def _block_values(
    m: Any,
    select: Callable[[Sequence[int]], Iterator[bool]] | None,
    decode: Callable[[bytes], Any],
    many: Callable[[tuple], Sequence] | None,
    out: dict[int, Any],
    weights: dict[int, float] | None,
) -> bool:
    """Decode the values (and weights) of the selected postings of the current block into
    `out` (and `weights`), the fast way; False (and nothing filled) when the block is not
    laid out as expected."""
    block = _block_texts(m)
    if block is None:
        return False
    ids, block_weights, values = block
    if select is not None:
        chosen = list(select(ids))
        docnums: Sequence[int] = list(compress(ids, chosen))
        if not docnums:
            return True
        values = compress(values, chosen)
    else:
        docnums = ids
    try:
        texts = list(map(_START, values))
        codes = _joined_codes(texts) if many is not None else None
        if codes is not None and many is not None:
            decoded = many(codes)
        else:
            decoded = [decode(t.encode("latin-1")) for t in texts]
    except (AttributeError, TypeError, IndexError):  # a value not pickled as text (empty)
        return False
    out.update(zip(docnums, decoded, strict=True))
    if weights is not None:
        kept = block_weights if select is None else compress(block_weights, chosen)
        weights.update(zip(docnums, kept, strict=True))
    return True


def _not_in(excluded: frozenset[int]) -> Callable[[Sequence[int]], Iterator[bool]]:
    """Whether each of some docnums is outside `excluded`, in C."""
    return lambda ids: map(not_, map(excluded.__contains__, ids))


# --- indexing fast paths -------------------------------------------------------------------
#
# Where a rebuild's CPU went (10,000 synthetic entries, profiled): the token generator chain
# of the analyzer and Whoosh's per-token bookkeeping (about a quarter), pickling every posting
# one by one into the writer's sorted runs and back (about a seventh), reading the field
# length column through three calls per posting while writing postings (about a tenth), and
# the posting pool's type checks of every posting. The patches below do the same work with
# fewer Python calls and write the same index: tests/search/test_index.py builds one index
# both ways and compares every posting.

_RUN_MARK = ("practicebase-batched-run", 1)
_RUN_BATCH = 4096
_installed: dict[str, Any] = {}


def install_fast_indexing() -> None:
    """Patch Whoosh's writer classes with the fast paths (once per process; a forked writer
    worker inherits them). Each patched method falls back to Whoosh's own code when
    `private_allowed()` is False at the time of the call."""
    if _installed:
        return
    from whoosh import writing

    _installed["word_values"] = formats.Positions.word_values
    _installed["write_run"] = writing.PostingPool._write_run
    _installed["read_run"] = writing.PostingPool._read_run
    _installed["flush_segment"] = writing.SegmentWriter._flush_segment
    _installed["pool_add"] = writing.PostingPool.add
    formats.Positions.word_values = _positions_word_values
    writing.PostingPool._write_run = _write_run
    writing.PostingPool._read_run = _read_run
    writing.SegmentWriter._flush_segment = _flush_segment
    writing.PostingPool.add = _pool_add


def _analysis_plan(analyzer) -> tuple | None:
    """(word pattern, term of a word, join endings, longest join) when `analyzer` is exactly
    practicebase's text analyzer (tokenizer, spelling-stem filter, optional join filter),
    else None."""
    from whoosh.analysis import CompositeAnalyzer, RegexTokenizer

    if type(analyzer) is not CompositeAnalyzer:
        return None
    items = list(analyzer.items)
    if len(items) not in (2, 3) or type(items[0]) is not RegexTokenizer or items[0].gaps:
        return None
    if type(items[1]) is not analysis.SpellingStemFilter:
        return None
    join = items[2] if len(items) == 3 else None
    if join is not None and type(join) is not analysis.SequenceJoinFilter:
        return None
    if items[0].expression.groups:
        return None
    return (
        items[0].expression,
        items[1].term_of,
        join._ends if join is not None else {},  # noqa: SLF001 - our own filter's table
        join._longest if join is not None else 1,  # noqa: SLF001
    )


def _positions_word_values(self, value, analyzer, **kwargs):
    """`Positions.word_values` for practicebase's analyzer in one loop: the same terms,
    positions, weights and encoded values in the same order as the token chain gives."""
    plan = None
    if private_allowed() and isinstance(value, str) and set(kwargs) <= {"mode"}:
        plan = _analysis_plan(analyzer)
    if plan is None:
        yield from _installed["word_values"](self, value, analyzer, **kwargs)
        return
    pattern, term_of, ends, longest = plan
    poses: dict[str, list[int]] = {}
    recent: deque = deque(maxlen=longest)
    for pos, word in enumerate(pattern.findall(value)):
        term = term_of(word)
        found = poses.get(term)
        if found is None:
            poses[term] = [pos]
        else:
            found.append(pos)
        if not ends:
            continue
        recent.append(term)
        candidates = ends.get(term)
        if candidates:
            window = tuple(recent)
            for seq in candidates:
                if window[-len(seq) :] == seq:
                    poses.setdefault(analysis.joined(seq), []).append(pos)
    boost = self.field_boost
    encode = self.encode
    for term, poslist in poses.items():
        yield (term, len(poslist), float(len(poslist)) * boost, encode(poslist))


def _write_run(self, f, items) -> None:
    """A sorted run of postings pickled in batches of `_RUN_BATCH`, after a mark."""
    if not private_allowed():
        _installed["write_run"](self, f, items)
        return
    from itertools import islice

    dump = pickle.dump
    dump(_RUN_MARK, f, 2)
    items = iter(items)
    while batch := list(islice(items, _RUN_BATCH)):
        dump(batch, f, 2)
    f.close()


def _read_run(self, path):
    """The postings of a run, written batched (after the mark) or one by one by Whoosh."""
    f = self._open_run(path)
    try:
        load = pickle.load
        first = load(f)
        if first != _RUN_MARK:
            yield first
            while True:
                yield load(f)
        while True:
            yield from load(f)
    except EOFError:
        return
    finally:
        f.close()
        self._remove_run(path)


class _CachedLengths:
    """A per-document reader's field lengths, read once per field into a list: the postings
    writer asks for the length of every posting's document."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.count = reader.doc_count_all()
        self.lengths: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.lengths.get(fieldname)
        if lengths is None:
            read = self.reader.doc_field_length
            lengths = [read(d, fieldname, default) for d in range(self.count)]
            self.lengths[fieldname] = lengths
        return lengths[docnum]


def _flush_segment(self) -> None:
    """`SegmentWriter._flush_segment` with the field lengths read once per field."""
    if not private_allowed():
        _installed["flush_segment"](self)
        return
    self.perdocwriter.close()
    pdr = self.per_document_reader() if self.codec.length_stats else None
    postings = self.pool.iter_postings()
    self.fieldwriter.add_postings(self.schema, _CachedLengths(pdr) if pdr else None, postings)
    self.fieldwriter.close()
    if pdr:
        pdr.close()


def _pool_add(self, item) -> None:
    """`PostingPool.add` without its per-posting type assertions: the same size estimate
    (Whoosh's formula), the same spill points, decided once per pool."""
    fast = self.__dict__.get("_practicebase_fast")
    if fast is None:
        fast = self._practicebase_fast = private_allowed()
    if not fast:
        _installed["pool_add"](self, item)
        return
    self.fieldnames.add(item[0])
    self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
    if self.currentsize > self.limit:
        self.save()
    self.current.append(item)
