"""Cryptographic primitives and formats. Knows nothing of incidents or databases."""
