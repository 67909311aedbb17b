"""Writing files so that a half-written file never looks whole.

Everything is written to ``<name>.part`` in the target folder, flushed to disk, then renamed
over the target in one step. On any failure the partial file is removed and an OSError
becomes a FileProblem with a plain Chinese sentence (full disk, read-only folder, …).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from models.db import describe_os_error
from models.errors import FileProblem


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target``."""
    target = Path(target)
    tmp = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise FileProblem(describe_os_error(err, target)) from err
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
