"""The PySide6 desktop window of 关工台账.

Importing this package imports PySide6 and takes one cost out of every later import. PySide6
replaces ``__import__`` to support ``from __feature__ import …`` (snake_case, true_property, which
this program does not use), and to decide which modules may use a feature it reads the whole
source of every module imported after it (``inspect.getsource``): about 30 ms before the first
screen and 200 ms while the window completes, on the GUI thread and the loader's alike. Every
module is declared here as one that uses PySide6 without a feature, which is how PySide6 treats
a module that names it; the selection of features itself is untouched. If a later PySide6 has no
such hook, nothing is changed.
"""

import sys

import PySide6.QtCore  # noqa: F401  (loads shibokensupport.feature)


def _uses_pyside(_module: object) -> bool:
    return True


_feature = sys.modules.get("shibokensupport.feature")
if _feature is not None and callable(getattr(_feature, "_mod_uses_pyside", None)):
    _feature._mod_uses_pyside = _uses_pyside  # type: ignore[attr-defined]
