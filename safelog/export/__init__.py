"""Signed PDF case files: layout (reportlab), signing and verification (pyHanko).

Nothing here is imported at start-up: the modules that pull in reportlab, pyHanko or
Pillow are imported by the use case that needs them (safelog.vault.export, `safelog verify`).
`safelog.export.options` is light and safe to import from the GUI.
"""
