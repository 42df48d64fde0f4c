"""The case workspace: one case, a tab per part of the record (people, chronology, actions,
decisions, escalations, outcome and status, history)."""

from safelog.gui.workspace.case_workspace import CaseWorkspace

__all__ = ["CaseWorkspace"]
