"""Test-only kill points: ``point(name)`` SIGKILLs this process when asked to.

``GGTZ_KILL_AT=name`` kills at the first call of ``point(name)``; ``GGTZ_KILL_AT=name:k`` at
its k-th call. Without the variable (every real run) ``point`` does nothing but count.
Points: ``import.insert`` (each inserted row of an import), ``import.trigger`` (a bulk
insert's first-screen trigger dropped, before the rows), ``import.indexes`` (a bulk insert's
indexes dropped, before the rows), ``upgrade.v<n>`` (inside the
upgrade step from n, before its commit), ``backup.rename`` (between a backup's verified copy
and its rename), ``restore.swap`` (restore holding the locks, the old file kept, before the
swap), ``package.entry`` (after each file written into a 上报包).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_hits: Counter[str] = Counter()


def point(name: str) -> None:
    """A named place where a test may kill the process (no-op unless GGTZ_KILL_AT names it)."""
    target = os.environ.get("GGTZ_KILL_AT")
    if not target:
        return
    _hits[name] += 1
    want, _sep, nth = target.partition(":")
    if want == name and _hits[name] == int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
