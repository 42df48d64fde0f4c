"""Backups that restore: one file holding the database, the evidence ciphertext and a
manifest of their SHA-256 (archive.py), made while SafeLog is in use (make.py), checked
with or without keys (check.py, keyed.py) and restored on a new PC (restore.py)."""
