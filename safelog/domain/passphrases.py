"""What a passphrase must be, in one place: the vault enforces it and the forms say it."""

from __future__ import annotations

# The shortest passphrase SafeLog accepts. Length is what a guesser pays for; the forms'
# strength meter asks for more than this, the vault refuses anything less.
MIN_PASSPHRASE = 10
