"""Files SafeLog ships with: icons, the Qt style sheet and fonts for PDFs.

This folder is installed as the package `safelog.resources` (see pyproject.toml), so code
reaches it with `importlib.resources.files("safelog.resources")` in a source checkout, an
editable install, a wheel and a PyInstaller build alike.
"""
