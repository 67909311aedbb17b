"""Operating-system file locks beside the database file (no Qt: the CLI uses them too).

Two locks guard a database ``<库>.sqlite``:

* ``<库>.sqlite.lock`` — held exclusively by the window for its whole life
  (:func:`window_lock`). A second window and ``restore`` from the command line are refused
  while it is held. The operating system drops it when the program dies, so a crash never
  leaves a stale lock.
* ``<库>.sqlite.inuse`` — every open SQLite connection of this program holds it *shared*
  (:func:`use_lock`); ``restore`` takes it *exclusively* around the swap, so no process can
  keep writing into a file that is being replaced (an import would otherwise print 已导入 and
  its rows vanish with the old file). On Windows shared locks are not available through the
  standard library; there the system itself refuses to replace a file another program has
  open, and the use lock is a no-op.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl


#: seconds a new connection (or a command's hold on the file) waits while a restore or password
#: change replaces the file
USE_LOCK_WAIT = 30.0


class FileLock:
    """One held lock; :meth:`unlock` (idempotent) releases it."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd
        self._counted: str | None = None  # a shared use lock of this process (see _own)

    def unlock(self) -> None:
        fd, self._fd = self._fd, None
        counted, self._counted = self._counted, None
        if counted is not None:
            with _gate:
                _own[counted] -= 1
                _gate.notify_all()
        if fd is None:
            return
        try:
            if sys.platform == "win32":  # pragma: no cover
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        finally:
            os.close(fd)  # closing drops a POSIX flock

    def __enter__(self) -> FileLock:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.unlock()

    def __del__(self) -> None:  # a lock never outlives its owner
        self.unlock()


def _open(path: Path, shared: bool) -> int | None:
    """The lock file's descriptor; None for a shared lock in a read-only place (nothing can
    replace a file there, so readers need no lock). Raises OSError otherwise."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as err:
        if not shared or err.errno not in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise
    try:
        return os.open(path, os.O_RDONLY)  # flock works on a read-only descriptor
    except OSError:
        return None


def _try(path: Path, shared: bool) -> FileLock | None:
    fd = _open(path, shared)
    if fd is None:
        return FileLock(path, None)
    try:
        if sys.platform == "win32":  # pragma: no cover
            if shared:
                return FileLock(path, fd)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return FileLock(path, fd)


def acquire(path: Path, shared: bool = False, timeout: float = 0.0) -> FileLock | None:
    """Take the lock at ``path``; None when another holder keeps it past ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        lock = _try(Path(path), shared)
        if lock is not None or time.monotonic() >= deadline:
            return lock
        time.sleep(0.05)


def window_lock_path(db_path: Path) -> Path:
    path = Path(db_path).resolve()
    return path.with_name(path.name + ".lock")


def use_lock_path(db_path: Path) -> Path:
    path = Path(db_path).resolve()
    return path.with_name(path.name + ".inuse")


def window_lock(db_path: Path, timeout: float = 0.0) -> FileLock | None:
    """The window's exclusive lock on ``db_path``; None while another window holds it."""
    return acquire(window_lock_path(db_path), timeout=timeout)


#: use-lock paths this process is replacing: no new connection of this process may open them
_closed: set[str] = set()
_gate = threading.Condition()
#: shared use locks this process holds, per use-lock path: before replacing a file, this
#: process waits for its own connections to be given back (a flock taken exclusively through
#: another descriptor would count them as another program's)
_own: dict[str, int] = {}


def wait_own_closed(db_path: Path, timeout: float) -> bool:
    """Inside :func:`closed_in_process`: wait until this process holds no shared use lock of
    ``db_path`` (connections that were in use during ``dispose`` are closed when they come
    back). False when some are still held after ``timeout`` seconds."""
    key = str(use_lock_path(db_path))
    deadline = time.monotonic() + timeout
    with _gate:
        while _own.get(key, 0) > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _gate.wait(min(left, 0.05))
    return True


@contextlib.contextmanager
def closed_in_process(db_path: Path) -> Iterator[None]:
    """While the block runs, no thread of this process opens a new connection to ``db_path``
    (they wait): the window closes its own connections and then replaces the file."""
    key = str(use_lock_path(db_path))
    with _gate:
        _closed.add(key)
    try:
        yield
    finally:
        with _gate:
            _closed.discard(key)
            _gate.notify_all()


def use_lock(db_path: Path, exclusive: bool = False, timeout: float = 0.0) -> FileLock | None:
    """Shared (a connection is open) or exclusive (the file is being replaced) use lock.

    A shared lock also waits while this process has closed the file (closed_in_process)."""
    path = use_lock_path(db_path)
    if exclusive:
        return acquire(path, timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        with _gate:
            if str(path) not in _closed:
                lock = _try(path, shared=True)
                if lock is not None:
                    lock._counted = str(path)
                    _own[str(path)] = _own.get(str(path), 0) + 1
                    return lock
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            _gate.wait(min(left, 0.05))
