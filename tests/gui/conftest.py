"""Every GUI test gets the modal guard (gui_support.modals): a message box or crash dialog
is recorded instead of shown, so a modal exec() cannot hang the run, and an unexpected
crash dialog fails the test. Shared helpers live in support/ and gui_support, not here:
this module replaces the root one as `conftest` in sys.modules."""

from gui_support import modals  # noqa: F401
