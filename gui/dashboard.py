"""Moved to gui.pages.dashboard; the old name stays importable as the very same module."""

import sys

from gui.pages import dashboard as _moved

sys.modules[__name__] = _moved
