"""Exceptions whose message is a plain Chinese sentence for the clerk.

Every error that can reach a user derives from :class:`UserError`. ``exit_code`` follows
contract.md §1: 1 = refused because of the data, 2 = usage or file problem.
"""

from __future__ import annotations


class UserError(Exception):
    """An error shown to the user as it is; ``str(err)`` is the Chinese sentence."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DataError(UserError):
    """Refused because of the data (row errors, failed check, duplicate records)."""

    exit_code = 1


class ValidationError(DataError):
    """A field of a record is not acceptable; ``field`` names it (Chinese label)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}：{message}")
        self.field = field
        self.reason = message


class FileProblem(UserError):
    """A file cannot be read, written or is not what it claims to be."""

    exit_code = 2


class DatabaseTooNew(FileProblem):
    """The database was written by a newer version of the program."""


class DatabaseDamaged(FileProblem):
    """The database file fails SQLite's integrity check or is not a database."""


class Cancelled(Exception):
    """Raised by ``on_progress`` callbacks to stop long work; nothing is committed."""


class PasswordNeeded(DatabaseDamaged):
    """The file is not a plain SQLite file and no key is known for it: an encrypted database
    (or junk: only a key can tell them apart)."""


class WrongPassword(DatabaseDamaged):
    """The key given for an encrypted file does not open it."""
