"""Errors a user may see. Each carries a plain-words message and never record content."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is safe and meant to be shown to the user as it is."""


class WrongPassphrase(UserFacingError):
    pass


class TooManyAttempts(UserFacingError):
    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class AccessDenied(UserFacingError):
    pass


class ReportBeingHandled(AccessDenied):
    """A reporter trying to add to a report someone who manages cases has opened."""


class NotFound(UserFacingError):
    pass


class InvalidInput(UserFacingError):
    pass


class TamperDetected(UserFacingError):
    """Stored data failed an integrity check: damaged, altered or swapped."""


class KeyNotTrusted(TamperDetected):
    """A public key in the database does not chain back to what this user pinned."""


class RollbackDetected(TamperDetected):
    """The database is older than one this device has already seen."""


class VaultMissing(UserFacingError):
    pass
