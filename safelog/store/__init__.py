"""Storage: SQLAlchemy models and engines. Holds ciphertext only; knows nothing of plaintext."""
