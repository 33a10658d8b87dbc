"""Only the new text of a reply is read."""

from __future__ import annotations

import copy
import tomllib

import pytest

from service.errors import ConfigError
from service.inbound.html_text import html_to_text
from service.inbound.replies import PATTERNS_PATH, compile_patterns, new_text, read_reply

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


# Quote headers as mail clients write them, in the languages configured in
# config/reply_patterns.toml (our own examples in each client's style).
HEADERS = {
    "english": "On Fri, 13 Mar 2026 at 09:00, LGBT+ Mentoring <mentoring@example.org> wrote:",
    "english iso date": "On Fri, 2026-03-13 at 09:00 +0000, LGBT+ Mentoring wrote:",
    "gmail numeric": "2026-03-13 9:00 GMT+00:00 LGBT+ Mentoring <mentoring@example.org>:",
    "gmail numeric afternoon": "2026-03-13 21:00 GMT+01:00 Mentoring <mentoring@example.org>:",
    "french": "Le 13 mars 2026 09:00, LGBT+ Mentoring <mentoring@example.org> a écrit :",
    "spanish": "El 13/03/2026 09:00, LGBT+ Mentoring <mentoring@example.org> escribió:",
    "catalan": "El 13/03/2026 09:00, LGBT+ Mentoring <mentoring@example.org> ha escrit:",
    "polish": "W dniu 13 marca 2026 09:00 użytkownik Mentoring <mentoring@example.org> napisał:",
    "polish thunderbird": "W dniu 2026-03-13 09:00, mentoring@example.org pisze:",
    "danish": "Den 13/03/2026 kl. 09.00 skrev Mentoring <mentoring@example.org>:",
    "german": "Am 13.03.2026 um 09:00 schrieb LGBT+ Mentoring:",
    "german name only": "LGBT+ Mentoring <mentoring@example.org> schrieb:",
    "chinese": "在 2026年3月13日，上午9:00，Mentoring <mentoring@example.org> 写道：",
    "korean": "2026. 3. 13. 오전 9:00 Mentoring <mentoring@example.org> 작성:",
    "japanese": "2026/03/13 9:00、Mentoring <mentoring@example.org> のメッセージ:",
    "norwegian": "fre. 13. mar. 2026 kl. 09:00 skrev Mentoring <mentoring@example.org>:",
    "dutch": "Op 13 mrt. 2026 om 09:00 schreef LGBT+ Mentoring <mentoring@example.org>:",
    "italian": "Il giorno ven 13 mar 2026 alle ore 09:00 Mentoring <m@example.org> ha scritto:",
    "portuguese": "Em sex., 13 de mar. de 2026 às 09:00, Mentoring <m@example.org> escreveu:",
    "russian": "пт, 13 мар. 2026 г. в 09:00, Mentoring <mentoring@example.org>:",
    "finnish": "pe 13. maalisk. 2026 klo 9.00 Mentoring (mentoring@example.org) kirjoitti:",
    "dashes": "-----On 13/03/2026 09:00, LGBT+ Mentoring wrote-----",
    "android": "---- LGBT+ Mentoring wrote ----",
}


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
@pytest.mark.parametrize("marked", [True, False], ids=["quoted", "unmarked"])
def test_quote_headers_in_many_clients_and_languages(header: str, marked: bool) -> None:
    quote = "> Reply KEEP 1, 2 or 3\n> UNPAIR" if marked else "Reply KEEP 1, 2 or 3\nUNPAIR"
    body = f"MET 1h 12/03 - great chat\n\nThanks,\nSam\n\n{header}\n\n{quote}\n"
    assert new_text(body) == "MET 1h 12/03 - great chat\n\nThanks,\nSam"


FOLDED = {
    "address on the next line": "On Fri, 13 Mar 2026 at 09:00, LGBT+ Mentoring <\n"
    "mentoring@example.org> wrote:",
    "wrote on its own line": "On Fri, 13 Mar 2026 at 09:00, LGBT+ Mentoring\n"
    "<mentoring@example.org>\nwrote:",
    "gmail numeric": "2026-03-13 9:00 GMT+00:00 LGBT+ Mentoring <\nmentoring@example.org>:",
    "norwegian, '>:' alone": "fre. 13. mar. 2026 kl. 09:00 skrev Mentoring <m@example.org\n>:",
    "finnish": "pe 13. maalisk. 2026 klo 9.00 Mentoring\n<mentoring@example.org> kirjoitti:",
}


@pytest.mark.parametrize("header", FOLDED.values(), ids=FOLDED.keys())
def test_a_header_folded_over_lines_is_still_a_header(header: str) -> None:
    assert new_text(f"CONFIRM\n\n{header}\n\nPlease confirm\nUNPAIR") == "CONFIRM"


OUTLOOK_BLOCKS = {
    "dutch": "Van: Mentoring\nVerzonden: vrijdag 13 maart 2026 09:00\nAan: Sam\nOnderwerp: Kies",
    "swedish one line": "Från: Mentoring [mailto:m@example.org] Skickat: den 13 mars 2026",
    "russian": "От: Mentoring\nОтправлено: 13 марта 2026 г. 9:00\nКому: Sam\nТема: Выбор",
    "polish": "Od: Mentoring\nWysłano: piątek, 13 marca 2026 09:00\nDo: Sam\nTemat: Wybór",
    "bold outlook": "*From:* Mentoring [mailto:\nm@example.org]\n*Sent:* Friday, 13 March 2026",
    "date first": "Date: Fri, 13 Mar 2026 09:00:00 +0000\nFrom: m@example.org\nTo: Sam",
    "web with a rule": " ------------------------------\n\n*From:* Mentoring\n*Sent:* Friday",
}


@pytest.mark.parametrize("block", OUTLOOK_BLOCKS.values(), ids=OUTLOOK_BLOCKS.keys())
def test_outlook_header_blocks_in_several_languages(block: str) -> None:
    assert new_text(f"KEEP 2\n\n{block}\n\nReply KEEP 1, 2 or 3\nUNPAIR") == "KEEP 2"


def test_a_reply_written_below_the_quote_is_read() -> None:
    body = (
        "On Fri, 13 Mar 2026 at 09:00, LGBT+ Mentoring <mentoring@example.org> wrote:\n"
        "> Did you meet this month? Reply MET with how long.\n>\n\n"
        "MET 45 mins yesterday\n\n-- \nSam Jones\nHMRC"
    )
    assert new_text(body) == "MET 45 mins yesterday"


def test_answers_between_quoted_lines_are_read() -> None:
    body = (
        "> Which speed mentor would you like to keep?\n"
        "KEEP 2\n\n"
        "> Anything else?\n"
        "> (optional)\n\n"
        "Thanks, it was lovely.\n"
    )
    assert new_text(body) == "KEEP 2\n\nThanks, it was lovely."


def test_a_quoted_line_the_client_wrapped_stays_quoted() -> None:
    body = (
        "Thanks!\n\nOn Fri, 13 Mar 2026 at 09:00, Mentoring <m@example.org> wrote:\n"
        "> Reply with one of the commands below. Reply UNPAIR to end the\n"
        "pairing without blame, or\n"
        "> CONTINUE to keep going.\n"
    )
    assert new_text(body) == "Thanks!"


SIGNATURES = {
    "iphone": "Sent from my iPhone",
    "blackberry": "Sent from my Verizon Wireless BlackBerry",
    "mail for windows": "Sent from Mail for Windows",
    "outlook ios": "Get Outlook for iOS<https://example.org/o>",
    "german outlook android": "Gesendet von Outlook für Android<https://example.org/o>",
    "french outlook ios": "Envoyé à partir de Outlook pour iOS",
    "german iphone": "Von meinem iPhone gesendet",
    "delimiter": "-- \nSam Jones | HMRC",
    "dash name": "-Sam",
}


@pytest.mark.parametrize("signature", SIGNATURES.values(), ids=SIGNATURES.keys())
def test_signatures_and_client_footers_are_removed(signature: str) -> None:
    assert new_text(f"CONFIRM\n\n{signature}\n\nUNPAIR in the footer") == "CONFIRM"


def test_sent_from_in_a_sentence_is_the_persons_words() -> None:
    body = "CONTINUE\n\nSent from my desk, which is much nicer than my phone."
    assert new_text(body) == body


def test_a_sentence_starting_with_on_is_not_a_header() -> None:
    body = "On Thursday we met for an hour.\n\nOn the whole it went well:\nMET 1h"
    assert new_text(body) == body


def test_a_banner_with_angle_brackets_is_not_quotation() -> None:
    body = "See our page\n>>> https://example.org/mentoring <<<\nfor the dates"
    assert new_text(body) == body


def test_a_forward_is_recognised_and_only_the_note_is_read() -> None:
    body = (
        "Could you look at this?\n\n---------- Forwarded message ---------\n"
        "From: LGBT+ Mentoring <mentoring@example.org>\nDate: Fri, 13 Mar 2026\n\nUNPAIR"
    )
    reply = read_reply(body)
    assert reply.forwarded and reply.quoted
    assert reply.text == "Could you look at this?"
    assert not read_reply("UNPAIR\nWe drifted apart").forwarded


def test_pathological_bodies_give_an_answer() -> None:
    # Speed is measured by `python -m benchmarks.corpora`; here only the results.
    assert new_text("On " * 3000 + "wrote:").startswith("On On")
    assert new_text("> " * 5000) == ""
    assert new_text(">\n" * 100_000) == ""
    assert len(new_text("x\n" * 5_000_000)) < 100_000
    assert new_text("From: x\nSent: y\n" * 2000) == ""


def test_pattern_file_problems_name_the_entry() -> None:
    with PATTERNS_PATH.open("rb") as fh:
        good = tomllib.load(fh)
    assert compile_patterns(good).headers

    broken = copy.deepcopy(good)
    broken["header"][0]["pattern"] = "^(on"
    with pytest.raises(ConfigError, match=r"header\.0\.pattern.*not a valid regular expression"):
        compile_patterns(broken, "reply_patterns.toml")

    mismatch = copy.deepcopy(good)
    mismatch["header"][0]["examples"] = ["Hello there"]
    with pytest.raises(ConfigError, match="does not match its example 'Hello there'"):
        compile_patterns(mismatch)

    no_keywords = copy.deepcopy(good)
    no_keywords["header"][0]["keywords"] = []
    with pytest.raises(ConfigError, match="needs `keywords`"):
        compile_patterns(no_keywords)

    unknown = copy.deepcopy(good)
    unknown["signature"][0]["colour"] = "red"
    with pytest.raises(ConfigError, match="colour"):
        compile_patterns(unknown)


HTML_REPLIES = {
    "gmail divs": '<div dir="ltr"><div>MET 1h yesterday</div><div><br></div><div>Thanks,</div>'
    '<div>Sam</div></div>\n<div class="gmail_quote">On Fri, 13 Mar 2026 at 09:00, Mentoring'
    " &lt;m@example.org&gt; wrote:<br><blockquote>Did you meet?</blockquote></div>",
    "outlook paragraphs": "<div class=WordSection1><p class=MsoNormal><span>MET 1h yesterday"
    "<o:p></o:p></span></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Thanks,"
    "<o:p></o:p></p><p class=MsoNormal>Sam<o:p></o:p></p><div style='border-top:solid'>"
    "<p class=MsoNormal><b>From:</b> Mentoring<br><b>Sent:</b> Friday, 13 March 2026<br>"
    "<b>Subject:</b> Did you meet?</p></div><p class=MsoNormal>UNPAIR</p></div>",
    "plain paragraphs": "<p>MET 1h yesterday</p>\n<p>Thanks,<br>\nSam</p><hr>"
    "<p>From: Mentoring<br>Sent: Friday</p><p>UNPAIR</p>",
}


@pytest.mark.parametrize("html", HTML_REPLIES.values(), ids=HTML_REPLIES.keys())
def test_html_replies_keep_their_lines_as_shown(html: str) -> None:
    assert new_text(html_to_text(html)) == "MET 1h yesterday\n\nThanks,\nSam"


def test_html_source_line_breaks_are_spaces_but_pre_keeps_them() -> None:
    assert html_to_text("<div>Keep\n  Priya\nplease</div>") == "Keep Priya please"
    assert html_to_text("<pre>MET 1h\nCONTINUE</pre>") == "MET 1h\nCONTINUE"
