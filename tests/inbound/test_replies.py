"""Only the new text of a reply is read."""

from __future__ import annotations

import pytest

from service.inbound.html_text import html_to_text
from service.inbound.replies import new_text

CASES = {
    "outlook desktop": "KEEP 1\n\nSam\n\nFrom: LGBT+ mentoring <m@x>\nSent: 12 March 2026 09:00\n"
    "To: Sam\nSubject: Choose\n\nReply KEEP 1, 2 or 3",
    "outlook web": "KEEP 1\n\n________________________________\nFrom: LGBT+ mentoring\n"
    "Sent: Thursday, March 12, 2026 9:00 AM\nUNPAIR",
    "outlook german": "KEEP 1\n\nVon: LGBT+ mentoring <m@x>\nGesendet: Donnerstag, 12. März\n"
    "An: Sam\nBetreff: Wahl\nUNPAIR",
    "outlook french": "KEEP 1\n\nDe : LGBT+ mentoring\nEnvoyé : jeudi 12 mars\nÀ : Sam\nUNPAIR",
    "original message": "KEEP 1\n-----Original Message-----\nFrom: x\nUNPAIR",
    "gmail wrapped": "KEEP 1\n\nOn Thu, 12 Mar 2026 at 09:00, LGBT+ mentoring <\nm@x> wrote:\n"
    "> UNPAIR",
    "apple": "KEEP 1\n\n> On 12 Mar 2026, at 09:00, LGBT+ mentoring wrote:\n> UNPAIR",
    "german gmail": "KEEP 1\n\nAm Do., 12. März 2026 um 09:00 Uhr schrieb LGBT+ mentoring:\nUNPAIR",
    "ios footer": "KEEP 1\n\nGet Outlook for iOS\nUNPAIR",
    "iphone footer": "KEEP 1\n\nSent from my iPhone\n\nUNPAIR",
    "signature": "KEEP 1\n-- \nSam Jones\nUNPAIR in my signature for some reason",
}


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_quoted_history_and_footers_are_dropped(body: str) -> None:
    text = new_text(body)
    assert text.startswith("KEEP 1")
    assert "UNPAIR" not in text


def test_a_reply_without_history_is_kept_whole() -> None:
    assert new_text("UNPAIR\nWe have drifted apart.\nThanks").startswith(
        "UNPAIR\nWe have drifted apart."
    )


def test_html_blockquote_history_is_marked_as_quoted() -> None:
    html = (
        "<div>Keep 2</div><div class='gmail_quote'>On Thu, Mentoring wrote:<br>"
        "<blockquote>UNPAIR</blockquote></div>"
    )
    assert new_text(html_to_text(html)) == "Keep 2"


def test_html_to_text_drops_styles_and_scripts() -> None:
    text = html_to_text("<style>p{color:red}</style><script>x()</script><p>Hello&nbsp;there</p>")
    assert text == "Hello there"
