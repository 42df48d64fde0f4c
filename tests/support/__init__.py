"""Helpers shared by tests in more than one folder (an importable package: tests/ is on
sys.path, as the folder of the root conftest.py)."""
