"""A category of concern: what it is, its escalation rules and the guidance shown.

Policy references name the seed policies by file number ("000 9.2") or national guidance
(KCSIE: Keeping Children Safe in Education; UKCIS: sharing nudes and semi-nudes).

Guidance is written for the member of staff reporting, who does not know section numbers:
the references written into the guidance text, like "(000 9.2; 003 8.4)", are taken out of
`guidance` when a category is made and kept, with `policy_refs`, for the DSL's `policy` line
("Policy: 003 8.1; 004 11.1"). The table of categories keeps them beside the words they
support (domain/categories_conduct.py, domain/categories_sensitive.py,
domain/categories_school.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from safelog.domain.routes import RouteRule

__all__ = ["ABOUT_HEAD_GUIDANCE", "Category", "split_policy_refs"]


@dataclass(frozen=True)
class Category:
    code: str  # stable kebab-case code used in JSON and the CLI
    title: str  # plain English, as a DSL would say it
    description: str
    policy_refs: tuple[str, ...]
    # Child protection record: kept until the youngest pupil's date of birth + 25 years.
    child_protection: bool
    # An allegation against a member of staff: allegation outcomes and the staff retention rule.
    allegation_against_staff: bool
    # May involve indecent images of children: images are never imported, only described.
    blocks_image_import: bool
    guidance: str  # for the person reporting: plain words, references taken out
    routes: tuple[RouteRule, ...]
    # The guidance when the concern is about the headteacher, for a category whose
    # `guidance` has the headteacher decide or approve: the chair of governors does instead
    # (KCSIE Part 4; 001 5(ii); 004 9.2). Empty when `guidance` does not name the head.
    head_guidance: str = ""
    # A low-level concern about a member of staff (KCSIE Part 4, section two): it must name
    # the member of staff as a subject, so that they never read it, and is kept at least
    # until they leave (domain/low_level.py; domain/retention.py).
    low_level: bool = False
    # A reply to it (online, in public) needs the head's express approval first, and the
    # record of who approved it and when (004, the paragraph after 8.1.9;
    # domain/public_replies.py).
    replies_need_approval: bool = False
    # The references that were in the guidance text, in order (see the module note).
    guidance_refs: tuple[str, ...] = field(default=(), init=False)
    head_guidance_refs: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        plain, refs = split_policy_refs(self.guidance)
        object.__setattr__(self, "guidance", plain)
        object.__setattr__(self, "guidance_refs", refs)
        plain, refs = split_policy_refs(self.head_guidance)
        object.__setattr__(self, "head_guidance", plain)
        object.__setattr__(self, "head_guidance_refs", refs)

    @property
    def policy(self) -> str:
        """The policy line for the DSL: every section this category's rules rest on."""
        refs = list(dict.fromkeys((*self.guidance_refs, *self.policy_refs)))
        return "Policy: " + "; ".join(refs)

    def guidance_for(self, *, about_headteacher: bool) -> str:
        """The guidance to show for one concern. On a concern about the headteacher it
        never has the headteacher decide, approve or be told: it names the chair of
        governors, who handles such concerns, instead."""
        if not about_headteacher:
            return self.guidance
        if self.head_guidance:
            return self.head_guidance
        return ABOUT_HEAD_GUIDANCE + " " + self.guidance

    def policy_for(self, *, about_headteacher: bool) -> str:
        """The DSL's policy line for one concern: on a concern about the headteacher, with
        the sections that send it to the chair of governors."""
        if not about_headteacher:
            return self.policy
        refs = (*self.head_guidance_refs, *self.guidance_refs, *self.policy_refs, *_HEAD_REFS)
        return "Policy: " + "; ".join(dict.fromkeys(refs))


# What a concern about the headteacher adds to a category's guidance (001 5(ii); 002 8.1;
# 004 9.2; KCSIE Part 4): said plainly, for the person reporting.
ABOUT_HEAD_GUIDANCE = (
    "This concern is about the headteacher, so it goes to the chair of governors (in a "
    "trust, also the CEO), who decides what happens, not to the headteacher. Do not tell the "
    "headteacher about it."
)
_HEAD_REFS = ("001 5(ii)", "002 8.1", "004 9.2", "KCSIE Part 4")


# A parenthesised reference: a seed policy section ("000 9.2", "001 4(i)", "003 5.6,
# appendix b", "004 8.1 (after 8.1.9)" for an unnumbered paragraph) or national law or
# guidance, possibly several separated by ";".
_REFERENCE_IN_TEXT = re.compile(
    r"\s*\(((?:00[0-4] |UK GDPR |KCSIE |UKCIS)(?:[^()]|\((?:[ivx]+|after [\d.]+)\))*)\)"
)


def split_policy_refs(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` without its parenthesised policy references, and the references."""
    refs: list[str] = []
    for match in _REFERENCE_IN_TEXT.finditer(text):
        for group in match.group(1).split(";"):
            document = ""
            for part in (p.strip() for p in group.split(",")):
                if not part:
                    continue
                if re.match(r"00[0-4] ", part):
                    document = part[:4]
                elif document and not part[:1].isdigit() and part.startswith("appendix"):
                    part = document + part  # "003 5.6, appendix b": both in policy 003
                refs.append(part)
    return _REFERENCE_IN_TEXT.sub("", text), tuple(refs)
