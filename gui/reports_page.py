"""Moved to gui.pages.reports; the old name stays importable as the very same module."""

import sys

from gui.pages import reports as _moved

sys.modules[__name__] = _moved
