"""`safelog approval ...`: requests that wait for a named person's decision.

safelog approval request blocked-content --as NAME --url URL --site-content TEXT
    --reasons TEXT --risks TEXT                                   (003 7.5, appendix a)
safelog approval request family-link --as NAME --pupil NAME --relationship WORDS
    --details TEXT                                                (000 6.7-6.9, 004 8.2.3)
safelog approval request monitoring --as NAME --about PERSON --scope TEXT --grounds TEXT
    --discussion TEXT --assessment TEXT                           (002 7.4)
safelog approval decide N --as NAME --decision approved|refused|acknowledged
    [--reasons TEXT]
safelog approval list --as NAME [--waiting] [--json]
safelog approval print N --as NAME --out FILE.pdf
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from safelog.cli.common import PassphraseReader, command, command_group, emit_json, say, unlock
from safelog.domain.approvals import KINDS, ApprovalKind
from safelog.errors import InvalidInput


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _view(approval: Any) -> dict[str, Any]:
    made = approval.decision
    return {
        "number": approval.seq,
        "kind": approval.kind.value,
        "requested_by": approval.requester_name,
        "requested_at": approval.at.isoformat(),
        "about": approval.subject_name or None,
        "fields": approval.fields,
        "status": approval.status,
        "decided_by_role": sorted(r.value for r in approval.decided_by),
        "decision": None
        if made is None
        else {
            "decision": made.decision.value,
            "reasons": made.reasons,
            "by": made.by_name,
            "at": made.at.isoformat(),
        },
        "policy_refs": list(approval.rules.policy_refs),
    }


def cmd_approval_request(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.approvals import make_request

    rules = KINDS[ApprovalKind(args.kind)]
    fields = {spec.name: getattr(args, spec.name, None) or "" for spec in rules.fields}
    _, session = unlock(args, reader)
    made = make_request(session, rules.kind.value, fields, about=args.about or "")
    if args.json:
        emit_json(_view(made))
    else:
        say(f"Request {made.seq} recorded: it waits for {rules.decider_words}'s decision.")
    return 0


def cmd_approval_decide(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.approvals import decide

    _, session = unlock(args, reader)
    done = decide(session, args.number, args.decision, args.reasons or "")
    say(f"Request {done.seq}: {done.status}.")
    return 0


def cmd_approval_list(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.approvals import approvals, awaiting_me

    _, session = unlock(args, reader)
    found = awaiting_me(session) if args.waiting else approvals(session)
    if args.kind:
        found = [a for a in found if a.kind.value == args.kind]
    if args.json:
        emit_json({"requests": [_view(a) for a in found]})
        return 0
    if not found:
        say("No requests that you can read.")
    for a in found:
        about = f" about {a.subject_name}" if a.subject_name else ""
        say(
            f"{a.seq:>4}  {a.at:%d/%m/%Y}  {a.rules.form_title}{about}, by {a.requester_name}: "
            f"{a.status}"
        )
    return 0


def cmd_approval_print(args: argparse.Namespace, reader: PassphraseReader) -> int:
    from safelog.vault.approvals import print_approval

    out = Path(args.out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another name.")
    _, session = unlock(args, reader)
    digest = print_approval(session, args.number, out)
    say(f"{out} (SHA-256 {digest})")
    return 0


def add_approval_commands(sub: Any) -> None:
    group = command_group(
        sub,
        "approval",
        "requests that wait for a decision (blocked content, family links, monitoring)",
    )
    p = command(group, "request", cmd_approval_request, "make a request as yourself", True)
    p.add_argument("kind", choices=[k.value for k in ApprovalKind])
    p.add_argument("--about", metavar="PERSON", help="who a monitoring request is about")
    names: set[str] = set()
    for rules in KINDS.values():
        for spec in rules.fields:
            if spec.name not in names:
                names.add(spec.name)
                p.add_argument(_flag(spec.name), dest=spec.name, metavar="TEXT", help=spec.label)
    p.add_argument("--json", action="store_true")
    p = command(group, "decide", cmd_approval_decide, "approve, refuse or acknowledge", True)
    p.add_argument("number", type=int)
    p.add_argument("--decision", required=True, choices=["approved", "refused", "acknowledged"])
    p.add_argument("--reasons", default="")
    p = command(group, "list", cmd_approval_list, "the requests you can read", True)
    p.add_argument("--kind", choices=[k.value for k in ApprovalKind])
    p.add_argument("--waiting", action="store_true", help="only those waiting for your decision")
    p.add_argument("--json", action="store_true")
    p = command(group, "print", cmd_approval_print, "a request's form as a PDF", True)
    p.add_argument("number", type=int)
    p.add_argument("--out", required=True, metavar="FILE.pdf")
