"""Evidence in the desktop app: getting it in (paste, drop, pick, capture) and showing it."""
