"""The indecent-images rule as data (issue 18 point 1): what a category that may involve
indecent images of children lets in, what happens to what a case already holds when it
moves into one, and the warning shown before evidence is added to a concern about staff.

The policies: 002 7.2.4 ("it is an offence to save, send, or alter an image or to show it
to anyone else. Therefore, the evidence must be placed in a secure location such as a locked
cupboard"), 000 7.1 (no circumstances justify adults possessing such images) and UKCIS
(never view, copy, print, share, store or save). A PDF, an e-mail, a document or an archive
can carry a picture as well as a photograph can, so such a category keeps plain text notes
only; everything else is described in words instead, and the device is locked away.
"""

from __future__ import annotations

from typing import Final

from safelog.domain.category import Category

POLICY_REFS: Final = ("002 7.2.4", "000 7.1")

# What an image category lets in, by the type found in the content (never by the name).
ALLOWED_IN_IMAGE_CATEGORIES: Final = frozenset({"text/plain"})

# A text note there is read whole and checked to its last byte before anything is stored
# (a note that turns to binary after its first bytes is not one), so it is held in memory:
# 16 MiB is some three million words, far beyond any chat log or statement typed out.
TEXT_NOTE_LIMIT: Final = 16 * 1024 * 1024

TEXT_NOTE_TOO_LARGE: Final = (
    "A text note on a concern of this kind may be at most 16 MB, so nothing was kept. Keep "
    "a shorter extract, or describe the rest in words."
)

# Shown to staff too, so without section numbers (the policy line is the DSL's).
OFFENCE_WORDS: Final = (
    "The school's policy: where evidence contains indecent images of children, \u201cit "
    "is an offence to save, send, or alter an image or to show it to anyone else. "
    "Therefore, the evidence must be placed in a secure location such as a locked cupboard "
    "where others will not be able to see it.\u201d The police are contacted immediately "
    "for advice."
)

# Concerns about a member of staff, where 002 7.2.4 is written: evidence a colleague
# gathers there (screen-prints, e-mails) may itself hold indecent images.
STAFF_CATEGORY_CODES: Final = frozenset(
    {"cyberbullying-staff", "staff-online-conduct", "low-level-staff"}
)

STAFF_UPLOAD_WARNING: Final = (
    "Before you add evidence: if it contains, or may contain, indecent images of children, "
    "do not add it, copy it, send it or show it to anyone. Lock the device away, tell the "
    "DSL, and the police are contacted immediately for advice. Screen-prints "
    "of messages and web pages without such images are fine to add."
)


def allowed_in_image_category(media_type: str) -> bool:
    """True for what a category that blocks images may hold: plain text notes only."""
    return media_type in ALLOWED_IN_IMAGE_CATEGORIES


def quarantined(category: Category, media_type: str) -> bool:
    """An item a case holds that its category no longer lets in (the case moved into an
    image category): not viewed, extracted or exported, only listed with its hash. Judged
    at every read from the case's category, so no flag can lift it."""
    return category.blocks_image_import and not allowed_in_image_category(media_type)


def quarantined_in(category_code: str, media_type: str) -> bool:
    """`quarantined` for a case's category code (an unknown code quarantines nothing: the
    vault refuses such a case before any item is read)."""
    from safelog.domain.categories import UnknownCategory, category_by_code

    try:
        return quarantined(category_by_code(category_code), media_type)
    except UnknownCategory:
        return False


def warns_before_upload(category: Category) -> bool:
    """A concern about staff: the 7.2.4 warning is shown before any evidence is added."""
    return category.code in STAFF_CATEGORY_CODES or category.allegation_against_staff


QUARANTINE_WORDS: Final = (
    "Quarantined: this case is now about indecent images of children, so SafeLog no longer "
    "shows, extracts or exports this item (002 7.2.4). Only its name, size and SHA-256 are "
    "listed."
)
