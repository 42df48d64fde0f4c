"""The signed, hash-chained audit log and the checkpoints that pin it."""
