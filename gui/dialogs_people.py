"""Moved to gui.dialogs.people; the old name stays importable as the very same module."""

import sys

from gui.dialogs import people as _moved

sys.modules[__name__] = _moved
