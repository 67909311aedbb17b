"""The PySide6 desktop window of 关工台账."""
