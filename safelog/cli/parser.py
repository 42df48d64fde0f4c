"""Every `safelog` command and its arguments. Each command group adds its own commands from
its module; the order here is the order `safelog --help` lists them."""

from __future__ import annotations

import argparse

from safelog.cli.adults import add_adult_commands
from safelog.cli.approvals import add_approval_commands
from safelog.cli.backups import add_backup_commands
from safelog.cli.cases import add_case_commands
from safelog.cli.common import CliParser
from safelog.cli.consent import add_consent_commands
from safelog.cli.database import add_database_commands
from safelog.cli.declarations import add_declaration_commands
from safelog.cli.evidence import add_evidence_commands
from safelog.cli.pupils import add_pupil_commands
from safelog.cli.reports import add_report_commands
from safelog.cli.rules import add_rules_commands
from safelog.cli.signed_files import add_signed_file_commands
from safelog.cli.subject_access import add_sar_commands
from safelog.cli.transfers import add_transfer_commands
from safelog.cli.users import add_user_commands

DESCRIPTION = "The `safelog` command: the desktop app with no arguments, admin commands otherwise."


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(prog="safelog", description=DESCRIPTION)
    parser.add_argument("--data-dir", help="where the vault lives (or SAFELOG_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", parser_class=CliParser)
    add_user_commands(sub)  # init, user
    add_case_commands(sub)  # case
    add_evidence_commands(sub)  # evidence
    add_signed_file_commands(sub)  # export, verify, ca, audit
    add_pupil_commands(sub)  # pupil
    add_adult_commands(sub)  # adult
    add_rules_commands(sub)  # rules
    add_database_commands(sub)  # db
    add_transfer_commands(sub)  # transfer
    add_sar_commands(sub)  # sar
    add_declaration_commands(sub)  # declaration
    add_approval_commands(sub)  # approval
    add_consent_commands(sub)  # consent
    add_backup_commands(sub)  # backup, restore
    add_report_commands(sub)  # report
    return parser
