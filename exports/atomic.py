"""Writing files so that a half-written file never looks whole.

Everything is written to ``<name>.part`` in the target folder, flushed to disk, then renamed
over the target in one step. On any failure the partial file is removed and an OSError
becomes a FileProblem with a plain Chinese sentence (full disk, read-only folder, …).
Before anything is written, the target passes the output guard (models.outputs): no writer can
replace a database, a backup or a file of another kind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from models.errors import FileProblem, describe_os_error
from models.outputs import guard_output, kind_of_suffix


@contextlib.contextmanager
def atomic_path(target: Path | str, kind: str | None = None) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target``. ``kind`` (xlsx,
    pdf, docx, zip; default: from the suffix) is what is written: the target is refused by
    :func:`models.outputs.guard_output` before anything is written (FileProblem)."""
    target = Path(target)
    guard_output(target, kind or kind_of_suffix(target) or "other")
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
