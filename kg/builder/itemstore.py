"""Item texts and mentions wait on disk during a build, so memory grows with items and entities, not with text.

While files are read, each new item's text, links and mentions go to an append-only file in a private
temporary folder (`kg-build-*` under the system temp dir, TMPDIR respected); the build keeps a compact copy of
the item (id, title, date, url, sources, ...: what the graph and the exporters use). Resolution and relation
finding then stream the items back one at a time. A mention's sentence is stored once per item, however many
mentions it holds.

The folder is removed when the spill is closed or garbage collected, and at interpreter exit (also after
Ctrl-C). A killed process (SIGKILL, out of memory) cannot clean up, so each folder records its owner's pid
and host, and the next build removes the folders whose owner is gone.
"""
from __future__ import annotations

import os
import pickle
import shutil
import socket
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Mapping

from kg.records import Mention, NewsItem


FOLDER_PREFIX = "kg-build-"
OWNER_FILE = "owner"
UNOWNED_GRACE_SECONDS = 3600  # a folder without an owner file may be one being created right now


def remove_orphans(directory: str | None = None) -> list[str]:
    """Remove spill folders left by builds that were killed (their process is gone); returns their paths."""
    root = directory or tempfile.gettempdir()
    removed = []
    try:
        names = [n for n in os.listdir(root) if n.startswith(FOLDER_PREFIX)]
    except OSError:
        return removed
    host = socket.gethostname()
    for name in names:
        folder = os.path.join(root, name)
        try:
            with open(os.path.join(folder, OWNER_FILE)) as owner:
                pid_text, _, owner_host = owner.read().partition(" ")
            if owner_host != host or _alive(int(pid_text)):
                continue  # another machine's build (shared temp dir), or one still running
        except (OSError, ValueError):
            try:
                if time.time() - os.stat(folder).st_mtime < UNOWNED_GRACE_SECONDS:
                    continue
            except OSError:
                continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class ItemSpill:
    """Append-only store of item text, links and mentions, keyed by item id."""

    def __init__(self, directory: str | None = None):
        remove_orphans(directory)
        self.folder = tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=directory)
        with open(os.path.join(self.folder, OWNER_FILE), "w") as owner:
            owner.write(f"{os.getpid()} {socket.gethostname()}")
        self._file = open(os.path.join(self.folder, "items.bin"), "wb+")
        # item id -> offset * 2**32 + length (an item is far below 4 GB: files are capped by --max-bytes):
        # one int per item instead of a tuple of two, 84 bytes less per item (2 M items: -0.17 GB)
        self._index: dict[str, int] = {}
        self._end = 0
        self._unflushed = False
        self._shared: dict[str, str] = {}  # dates and digest names, one string object each
        self._finalizer = weakref.finalize(self, _remove, self._file, self.folder)

    def add(self, item: NewsItem, mentions: list[Mention]) -> NewsItem:
        """Store the item's text, links and mentions; returns the compact item to keep in memory."""
        sentences: dict[str, int] = {}
        rows = [
            (m.start, m.end, m.surface, m.type, m.entity_id, m.extractor, m.confidence, sentences.setdefault(m.sentence, len(sentences)))
            for m in mentions
        ]
        blob = pickle.dumps((item.text, item.links, list(sentences), rows), protocol=pickle.HIGHEST_PROTOCOL)
        self._file.write(blob)
        self._index[item.id] = (self._end << 32) | len(blob)
        self._end += len(blob)
        self._unflushed = True
        shared = self._shared
        # links=(): one shared empty tuple; the full item (load) gets its links back as a list
        return item.with_body("", (), shared.setdefault(item.date, item.date), [shared.setdefault(s, s) for s in item.sources])

    def load(self, item: NewsItem) -> tuple[NewsItem, list[Mention]]:
        """The full item (text and links back on the compact one) and its mentions, as read."""
        text, links, sentences, rows = self._read(item.id)
        mentions = [
            Mention(item.id, start, end, surface, type_, entity_id, extractor, confidence, sentences[s])
            for start, end, surface, type_, entity_id, extractor, confidence, s in rows
        ]
        return item.with_body(text, list(links), item.date, item.sources), mentions

    def flush(self) -> None:
        """Everything added so far on disk, where another process reading the file sees it."""
        if self._unflushed:
            self._file.flush()
            self._unflushed = False

    def _read(self, item_id: str) -> tuple:
        self.flush()
        packed = self._index[item_id]
        offset, length = packed >> 32, packed & 0xFFFFFFFF
        return pickle.loads(os.pread(self._file.fileno(), length, offset))

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._index

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return self._end

    def close(self) -> None:
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive


def _remove(handle, folder: str) -> None:
    handle.close()
    shutil.rmtree(folder, ignore_errors=True)


class SpilledItems(Mapping):
    """Item id -> full NewsItem (with text and links), read from the spill on access; a read-only mapping.

    Iterating, `len` and `in` use the compact items in memory only. Items not in the spill (those of files a
    rebuild took from the cache) are read with `elsewhere`.
    """

    def __init__(self, compact: dict[str, NewsItem], spill: ItemSpill,
                 elsewhere: Callable[[str], NewsItem] | None = None):
        self._compact, self._spill, self._elsewhere = compact, spill, elsewhere

    def __getitem__(self, item_id: str) -> NewsItem:
        item = self._compact[item_id]
        if item_id not in self._spill and self._elsewhere is not None:
            return self._elsewhere(item_id)
        text, links, _, _ = self._spill._read(item_id)
        return item.with_body(text, list(links), item.date, item.sources)

    def __iter__(self) -> Iterator[str]:
        return iter(self._compact)

    def __len__(self) -> int:
        return len(self._compact)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._compact

    def close(self) -> None:
        """Delete the texts on disk now (the compact items stay)."""
        self._spill.close()
