"""Moved to gui.pages.settings; the old name stays importable as the very same module."""

import sys

from gui.pages import settings as _moved

sys.modules[__name__] = _moved
