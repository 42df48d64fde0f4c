"""The platforms staff most often name, for the "where" of a concern or a piece of evidence
(policies 000 9.2 and 003 8.4: record the location of the site). Anything else is typed."""

from __future__ import annotations

COMMON_PLATFORMS = (
    "Instagram",
    "TikTok",
    "Snapchat",
    "WhatsApp",
    "Facebook",
    "X (Twitter)",
    "YouTube",
    "Discord",
    "Roblox",
    "Email",
    "Text message",
    "School system",
)
OTHER_PLATFORM = "Other"
