"""Intake of untrusted files: sniffing, limits, safe names."""
