"""The unlocked session: who you are, what you may read, and every use case."""
