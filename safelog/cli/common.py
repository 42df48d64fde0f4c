"""What every `safelog` command shares: reading passphrases, unlocking the vault as the user
named with --as, reading a --json FILE, and printing safely (safelog/text.py)."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from safelog.errors import UserFacingError
from safelog.text import escape_for_json, visible

if TYPE_CHECKING:  # the vault is imported when a command needs it, not to start the app
    from safelog.vault.session import Session
    from safelog.vault.vault import Vault


class PassphraseReader:
    """Terminal prompts, or one line per passphrase from a pipe."""

    def __init__(self) -> None:
        self.interactive = sys.stdin.isatty()

    def read(self, prompt: str) -> str:
        if self.interactive:
            return getpass.getpass(prompt)
        line = sys.stdin.readline()
        if not line:
            raise UserFacingError("Expected a passphrase on standard input, but it ended.")
        return line.rstrip("\r\n")

    def new(self, prompt: str) -> str:
        first = self.read(prompt)
        second = self.read("Type it again: ")
        if first != second:
            raise UserFacingError("The two passphrases are not the same.")
        return first


Handler = Callable[[argparse.Namespace, PassphraseReader], int]


class CliParser(argparse.ArgumentParser):
    """Usage mistakes as one plain line on standard error, like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, visible(f"safelog: {message} (see '{self.prog} --help')") + "\n")


def command_group(parent: Any, name: str, help_text: str) -> Any:
    """`safelog NAME ...`: a group of subcommands (user, case, evidence, ...)."""
    return parent.add_parser(name, help=help_text).add_subparsers(
        dest="subcommand", required=True, parser_class=CliParser
    )


def command(
    parent: Any, name: str, handler: Handler, help_text: str, need_as: bool = False
) -> argparse.ArgumentParser:
    """One command; with `need_as`, it takes the required --as NAME of the user running it."""
    p: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
    p.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    if need_as:
        p.add_argument(
            "--as",
            dest="as_name",
            required=True,
            metavar="NAME",
            help="your name as a SafeLog user",
        )
    p.set_defaults(handler=handler)
    return p


def open_vault(args: argparse.Namespace) -> Vault:
    from safelog.vault.paths import resolve_data_dir
    from safelog.vault.vault import Vault

    return Vault(resolve_data_dir(args.data_dir))


def unlock(args: argparse.Namespace, reader: PassphraseReader) -> tuple[Vault, Session]:
    """The vault, unlocked as --as NAME with the passphrase read from the terminal or the
    next line of standard input."""
    vault = open_vault(args)
    prompt = visible(f"Passphrase for {args.as_name}: ")
    return vault, vault.unlock(args.as_name, reader.read(prompt))


def emit_json(value: Any) -> None:
    """JSON as it is stored, with what could drive a terminal written as \\u escapes."""
    print(escape_for_json(json.dumps(value, indent=2, ensure_ascii=False, default=str)))


def say(text: object = "", *, file: TextIO | None = None, multi_line: bool = False) -> None:
    """Print a line that may hold user text (a name, a summary, a path): nothing in it can
    drive the terminal or forge another line (safelog/text.py)."""
    print(visible(str(text), multi_line=multi_line), file=file)


def warn(text: object) -> None:
    say(f"warning: {text}", file=sys.stderr)


# Far more than a case may hold (case_input.MAX_CASE_TEXT characters); a bigger file is not
# read into memory at all.
MAX_JSON_BYTES = 16 * 1024 * 1024
# A case is three levels deep; 100,000 nested arrays would exhaust Python's recursion.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json_file(path: str) -> Any:
    """JSON given with --json FILE ('-' for standard input), or one plain line of refusal:
    unreadable, too large, not JSON, nested too deeply, or holding a lone surrogate."""
    try:
        if path == "-":
            text = sys.stdin.read(MAX_JSON_BYTES + 1)
            too_large = len(text.encode("utf-8", "surrogatepass")) > MAX_JSON_BYTES
        else:
            with Path(path).open("rb") as handle:
                raw = handle.read(MAX_JSON_BYTES + 1)
            too_large = len(raw) > MAX_JSON_BYTES
            text = raw.decode("utf-8")
    except OSError as exc:
        raise UserFacingError(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise UserFacingError(f"{path} is not valid JSON: it is not UTF-8 text.") from None
    if too_large:
        raise UserFacingError(
            f"{path} is larger than {MAX_JSON_BYTES // (1024 * 1024)} MiB, far more than a "
            "case can hold."
        )
    try:
        value = json.loads(text)
    except RecursionError:
        value = None
        problem: str | None = f"it is nested more than {MAX_JSON_DEPTH} levels deep"
    except json.JSONDecodeError as exc:
        raise UserFacingError(f"{path} is not valid JSON: {exc}.") from None
    else:
        problem = json_problem(value)
    if problem:
        raise UserFacingError(f"{path} cannot be used: {problem}.")
    return value


def json_problem(value: Any) -> str | None:
    """Nesting deeper than a case ever needs, or a lone surrogate ("\\ud800" is valid JSON
    but not text: it cannot be stored or printed). Walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"it is nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            return (
                "it holds a broken character (a lone surrogate such as \\ud800), which is "
                "not valid text"
            )
    return None
