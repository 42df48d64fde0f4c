"""The `safelog` command: the desktop app with no arguments, admin commands otherwise.

Passphrases are prompted for on a terminal and read one per line from standard input
otherwise; never from arguments or the environment. A command that prints one value prints
it alone on the last line. Errors are one line on standard error, without a traceback.

The commands live by group: users.py (init, user), cases.py, evidence.py, pupils.py and
signed_files.py (export, verify, ca, audit); parser.py puts them together and common.py
holds what they share. The JSON they print is built in vault/views.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from safelog.cli.common import PassphraseReader, say
from safelog.cli.parser import build_parser
from safelog.errors import UserFacingError

__all__ = ["EXIT_DENIED", "EXIT_ERROR", "EXIT_TAMPER", "main"]

EXIT_ERROR = 1
EXIT_DENIED = 3
EXIT_TAMPER = 4


def _gui(args: argparse.Namespace) -> int:
    from safelog.gui.app import run

    return run(args.data_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return _gui(args)
    try:
        return int(args.handler(args, PassphraseReader()))
    except UserFacingError as exc:
        from safelog.errors import AccessDenied, TamperDetected

        say(f"safelog: {exc}", file=sys.stderr)
        if isinstance(exc, AccessDenied):
            return EXIT_DENIED
        if isinstance(exc, TamperDetected):
            return EXIT_TAMPER
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("safelog: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`); not an error of ours.
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug: say so in one line, details to the local log only
        from safelog.diagnostics import log_exception

        where = log_exception(exc)
        print(
            f"safelog: an unexpected error stopped this command (details in {where}).",
            file=sys.stderr,
        )
        return EXIT_ERROR
