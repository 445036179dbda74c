"""A started service keeps what start-up built out of the cyclic collector's sight, so a full
collection no longer stops it for tens of milliseconds (services/infra/runtime.py)."""
import gc

from services.infra.runtime import FrozenStartupHeap


def test_start_freezes_the_heap_built_so_far():
    gc.unfreeze()
    built = [{"plan": n} for n in range(1000)]  # noqa: F841 - what a start-up leaves alive
    try:
        FrozenStartupHeap().start()
        assert gc.get_freeze_count() >= 1000
        assert not any(obj is built for obj in gc.get_objects())  # out of every generation
    finally:
        gc.unfreeze()
