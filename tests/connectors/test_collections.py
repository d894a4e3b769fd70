"""The cycle collector around a scan (connectors.base.paused_collections)."""

import gc
import weakref

from connectors.base import paused_collections


class Node:
    def __init__(self) -> None:
        self.other: object = self


def test_objects_made_during_a_pause_are_old_afterwards_not_new():
    with paused_collections():
        assert not gc.isenabled()
        kept = [{"n": n} for n in range(200_000)]
        assert gc.get_count()[0] >= 200_000  # all counted as new while paused
    assert gc.isenabled()
    # Afterwards the first collection need not walk them: they are in the oldest generation.
    assert gc.get_count()[0] < 1_000
    assert any(o is kept for o in gc.get_objects(generation=2))


def test_cycles_made_during_a_pause_are_still_collected_later():
    with paused_collections():
        node = Node()
        watch = weakref.ref(node)
        del node
        assert watch() is not None  # a cycle: reference counting alone never frees it
    gc.collect()
    assert watch() is None
