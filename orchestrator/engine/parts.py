"""The execution state's named parts: an immutable mapping, and one decision's working copy.

`PartMap` is what `ExecutionState.parts` holds after a decision: a two-level hash trie of small
dicts, so `updated` copies only the few buckets a decision touches, never the whole state (an
execution running a 10,000-item Map holds tens of thousands of parts).

`WorkingParts` is the Runtime's view during one decision: reads go to the input state, and a part
is copied only when the engine is about to change it (copy-on-write), so the input state and every
value in it stay untouched.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

JSON = Any

_BITS = 6
_FANOUT = 1 << _BITS  # 64 x 64 leaf buckets: a few parts per bucket up to ~100,000 parts
_MASK = _FANOUT - 1
_MISSING: Any = object()

Bucket = dict[str, JSON]
Branch = tuple[Bucket | None, ...]


def _slot(key: str) -> tuple[int, int]:
    # crc32, not hash(): the same layout in every process, so iteration order is reproducible.
    h = zlib.crc32(key.encode())
    return (h >> _BITS) & _MASK, h & _MASK


class PartMap(Mapping[str, JSON]):
    """An immutable str -> JSON mapping; `updated` shares every bucket it does not touch."""

    __slots__ = ("_root", "_size")

    def __init__(self, items: Mapping[str, JSON] | None = None) -> None:
        self._root: tuple[Branch | None, ...] = (None,) * _FANOUT
        self._size = 0
        if items:
            built = self.updated(items)
            self._root, self._size = built._root, built._size

    def __getitem__(self, key: str) -> JSON:
        top, low = _slot(key)
        branch = self._root[top]
        bucket = branch[low] if branch is not None else None
        if bucket is None:
            raise KeyError(key)
        return bucket[key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        top, low = _slot(key)
        branch = self._root[top]
        bucket = branch[low] if branch is not None else None
        return bucket is not None and key in bucket

    def __iter__(self) -> Iterator[str]:
        for branch in self._root:
            if branch is not None:
                for bucket in branch:
                    if bucket is not None:
                        yield from bucket

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"PartMap({dict(self)!r})"

    def updated(self, changed: Mapping[str, JSON], removed: Iterable[str] = ()) -> PartMap:
        """A new map with `removed` deleted and `changed` set; `self` is left as it was."""
        root = list(self._root)
        branches: dict[int, list[Bucket | None]] = {}
        buckets: dict[tuple[int, int], Bucket] = {}
        size = self._size

        def bucket_for(key: str) -> Bucket:
            where = _slot(key)
            bucket = buckets.get(where)
            if bucket is None:
                top, low = where
                branch = branches.get(top)
                if branch is None:
                    old = root[top]
                    branch = branches[top] = list(old) if old is not None else [None] * _FANOUT
                old_bucket = branch[low]
                bucket = buckets[where] = dict(old_bucket) if old_bucket else {}
            return bucket

        for key in removed:
            if bucket_for(key).pop(key, _MISSING) is not _MISSING:
                size -= 1
        for key, value in changed.items():
            bucket = bucket_for(key)
            if key not in bucket:
                size += 1
            bucket[key] = value
        if not buckets:
            return self
        for (top, low), bucket in buckets.items():
            branches[top][low] = bucket or None
        for top, branch in branches.items():
            # Buckets are stored non-empty or None, so any() in C tells whether one is left.
            root[top] = tuple(branch) if any(branch) else None
        out = PartMap.__new__(PartMap)
        out._root, out._size = tuple(root), size
        return out


def as_part_map(parts: Mapping[str, JSON]) -> PartMap:
    """The parts as a PartMap (a plain dict, e.g. read back from the database, is copied once)."""
    return parts if isinstance(parts, PartMap) else PartMap(parts)


def copy_json(value: JSON) -> JSON:
    """A deep copy of a JSON value (several times faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


class WorkingParts:
    """One decision's copy-on-write view of the parts.

    `get` returns the current value, which the caller must not change; `edit` returns a private
    copy the caller may change (copied from the input state on first use); `put` replaces a part
    with a value the engine will not change in place afterwards (unless through `edit`).
    """

    def __init__(self, base: Mapping[str, JSON]) -> None:
        self.base = base
        self.local: dict[str, JSON] = {}
        self.owned: set[str] = set()  # local values this decision copied and may change in place
        self.removed: set[str] = set()

    def get(self, key: str, default: JSON = None) -> JSON:
        if key in self.local:
            return self.local[key]
        if key in self.removed:
            return default
        return self.base.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.local or (key not in self.removed and key in self.base)

    def edit(self, key: str) -> JSON:
        if key in self.owned:
            return self.local[key]
        value = copy_json(self.get(key))
        if value is None:
            raise KeyError(key)
        self.local[key] = value
        self.owned.add(key)
        return value

    def put(self, key: str, value: JSON, *, owned: bool = False) -> None:
        """Set a part. `owned`: `value` was built for this part alone and may be changed in place
        later (its containers are shared with nothing else)."""
        self.local[key] = value
        if owned:
            self.owned.add(key)
        else:
            self.owned.discard(key)
        self.removed.discard(key)

    def delete(self, key: str) -> None:
        self.local.pop(key, None)
        self.owned.discard(key)
        if key in self.base:
            self.removed.add(key)

    def changes(self) -> tuple[dict[str, JSON], frozenset[str]]:
        """(changed_parts, removed_parts) relative to the input state."""
        return dict(self.local), frozenset(self.removed)
