"""Moved to gui.dialogs.base; the old name stays importable as the very same module."""

import sys

from gui.dialogs import base as _moved

sys.modules[__name__] = _moved
