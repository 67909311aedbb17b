"""The command line's terminal (no Qt, no database): output that survives a closed pipe and a
locale that cannot write Chinese (contract §1: "Output piped into a program that stops reading
ends quietly with the exit status of the work")."""

from __future__ import annotations

import os
import sys
from typing import Any


def utf8_or_restart() -> None:
    """Under a locale that cannot hold Chinese (``LC_ALL=C`` with ``PYTHONUTF8=0``) file names
    and output would be ASCII: start again in Python's UTF-8 mode (POSIX, not frozen), else
    let the output streams write UTF-8."""
    if sys.getfilesystemencoding().lower().replace("-", "") == "utf8":
        return
    if os.name == "posix" and not getattr(sys, "frozen", False) \
            and os.environ.get("GGTZ_UTF8_RESTART") != "1":
        env = {**os.environ, "PYTHONUTF8": "1", "GGTZ_UTF8_RESTART": "1"}
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
        except OSError:
            pass


class PipeGuard:
    """Wraps stdout/stderr: when the reading program has gone (``| head -1``), the rest of
    the output is dropped quietly and the command still ends with its own exit status."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _silence(self) -> None:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._silence()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def quiet_pipes() -> tuple[Any, Any]:
    """Output streams that write Chinese whatever the locale (UTF-8 when the locale's encoding
    cannot) and end quietly on a closed pipe; returns the streams they wrap."""
    before = (sys.stdout, sys.stderr)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is None or isinstance(stream, PipeGuard):
            continue
        try:
            "关工台账".encode(stream.encoding or "ascii")
        except (LookupError, UnicodeEncodeError):
            try:
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")
            except (AttributeError, ValueError):
                pass
        setattr(sys, name, PipeGuard(stream))
    return before
