"""Python's cycle collector, kept out of the way of a build that holds millions of objects.

The collector scans every tracked object again each time their number grows by a quarter. A build keeps
millions to its end (items, pieces, the graph), and those scans took 3 s of a 5 s rebuild and 3 s of a 9 s
export. Nothing here changes what is freed by reference counting, which is nearly everything; only garbage
cycles wait (until the collector runs again).
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def freezing() -> Iterator[Callable[[], None]]:
    """Gives `kept`: called after each step, it moves what the steps so far kept out of the collector's scans;
    the short-lived cycles of a step (reading a file with spaCy) are still collected. Unfrozen on the way out."""
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


@contextmanager
def paused() -> Iterator[None]:
    """No collection inside: for stages that make many objects and no garbage cycles (assembling, exporting)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
