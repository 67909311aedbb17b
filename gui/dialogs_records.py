"""Moved to gui.dialogs.records; the old name stays importable as the very same module."""

import sys

from gui.dialogs import records as _moved

sys.modules[__name__] = _moved
