"""The declarations staff sign to say they have read the school's policies (002 8.1, 9.1 and
appendix 2): what each says, and which paragraph asks for it. Signed in SafeLog, each is an
entry in the audit log signed with the member of staff's own key (vault/declarations.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Declaration:
    code: str
    title: str
    text: str  # what the member of staff confirms, in the policy's words
    policy_refs: tuple[str, ...]

    @property
    def text_sha256(self) -> str:
        """Recorded with each signature, so a later change of wording is not read back as
        what someone signed."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


DECLARATIONS: tuple[Declaration, ...] = (
    Declaration(
        "acceptable-use",
        "Staff acceptable use of ICT policy",
        "I confirm that I have had access to the school's acceptable use of ICT policy, and "
        "that I accept and will follow its terms.",
        ("002 9.1", "002 appendix 2"),
    ),
    Declaration(
        "social-media",
        "School social media policy",
        "I confirm that I have had access to the School Social Media Policy, and that I "
        "accept and will follow its terms.",
        ("002 8.1",),
    ),
)


class UnknownDeclaration(ValueError):
    pass


def declaration_by_code(code: str) -> Declaration:
    for declaration in DECLARATIONS:
        if declaration.code == code:
            return declaration
    codes = ", ".join(d.code for d in DECLARATIONS)
    raise UnknownDeclaration(f"There is no declaration {code!r}; the declarations are: {codes}.")
