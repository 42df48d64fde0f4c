"""SafeLog: an encrypted safeguarding incident logger for schools."""

__version__ = "0.1.0"
