"""The window's last resort: whatever escapes a handler (GUI thread or another thread) is logged
and shown in a plain sentence.

Installed right after the first screen, so this module imports no more than the first screen
has imported: the sentence and the log (gui.ops) are imported when something escapes."""

from __future__ import annotations

import sys
import threading
from typing import Any

from PySide6.QtWidgets import QApplication, QMessageBox


def _show(err: BaseException) -> None:
    from gui.ops import error_text, log_unexpected

    log_unexpected(err)
    if (threading.current_thread() is threading.main_thread()
            and QApplication.instance() is not None):  # a box without an app aborts
        try:
            QMessageBox.critical(None, "程序出错", error_text(err))
        except Exception:
            pass


def _hook(kind: type[BaseException], err: BaseException, tb: Any) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, err, tb)
        return
    _show(err)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
        _show(args.exc_value)


def install_excepthook() -> None:
    """From now on, whatever escapes a handler (GUI thread or another thread) is logged
    (models.crashlog) and shown."""
    sys.excepthook = _hook
    threading.excepthook = _thread_hook
