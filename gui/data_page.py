"""Moved to gui.pages.data; the old name stays importable as the very same module."""

import sys

from gui.pages import data as _moved

sys.modules[__name__] = _moved
