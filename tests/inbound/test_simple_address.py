"""The common address forms are read without the standard parser (`mime.simple_address`):
for everything it reads, the answer is exactly `email.utils.parseaddr`'s (and
`getaddresses`'), and what it does not read is left to them."""

from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from service.inbound.mime import parse_mail, simple_address

# Pieces from which both common forms and near misses are built.
_PIECES = st.sampled_from(
    [
        "a", "Zoë", "O'Neil", "van-der", "x_y", "7", "person7", "dept", "example", "gov", "uk",
        " ", "  ", "\t", ".", "..", "@", "<", ">", ",", ";", ":", '"', "(", ")", "[", "]",
        "\\", "+tag", "%", "é", "名", "-", "_",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=8).map("".join)


def _agrees(value: str) -> None:
    read = simple_address(value)
    if read is None:
        return
    assert read == email.utils.parseaddr(value)
    assert [read] == email.utils.getaddresses([value])


@given(_TEXT, _TEXT, _TEXT, st.booleans())
def test_what_it_reads_the_standard_parser_reads_the_same(
    name: str, local: str, domain: str, routed: bool
) -> None:
    address = f"{local}@{domain}"
    _agrees(f"{name} <{address}>" if routed else address)
    _agrees(f"{name}<{address}>")
    _agrees(name)


def test_the_common_forms_are_read() -> None:
    cases = {
        "Person 7 <person7@dept.example>": ("Person 7", "person7@dept.example"),
        "  Zoë  O'Neil-Smith\t<zoe.o-neil+x@mail.dept.gov.uk> ": (
            "Zoë O'Neil-Smith",
            "zoe.o-neil+x@mail.dept.gov.uk",
        ),
        "<a@b.example>": ("", "a@b.example"),
        "a.b@c.example": ("", "a.b@c.example"),
    }
    for value, expected in cases.items():
        assert simple_address(value) == expected == email.utils.parseaddr(value)


def test_other_forms_are_left_to_the_standard_parser() -> None:
    for value in [
        '"Lee, Alex" <alex@dept.example>',
        "Alex (work) <alex@dept.example>",
        "a@b.example, c@d.example",
        "Dr. Lee <lee@dept.example>",
        "alex@localhost",
        "",
    ]:
        assert simple_address(value) is None
    mail = parse_mail(
        b'From: "Lee, Alex" <alex@dept.example>\r\nTo: a@b.example, "C, D" <c@d.example>\r\n'
        b"Cc: e@f.example\r\n\r\nhello\r\n",
        10_000,
    )
    assert (mail.sender, mail.sender_name) == ("alex@dept.example", "Lee, Alex")
    assert mail.recipients == ("a@b.example", "c@d.example", "e@f.example")


_WORD = st.text(st.sampled_from("aZ09'-_éß名"), min_size=1, max_size=6)
_ATOM = st.text(st.sampled_from("aZ09_%+'-"), min_size=1, max_size=6)
_LABEL = st.text(st.sampled_from("aZ09-"), min_size=1, max_size=6)
_SPACE = st.sampled_from([" ", "  ", "\t", " \t"])


@given(
    st.lists(_WORD, max_size=4),
    _SPACE,
    st.lists(_ATOM, min_size=1, max_size=3),
    st.lists(_LABEL, min_size=2, max_size=3),
    st.booleans(),
)
def test_built_common_forms_are_read_as_the_standard_parser_reads_them(
    words: list[str], space: str, atoms: list[str], labels: list[str], bare: bool
) -> None:
    address = ".".join(atoms) + "@" + ".".join(labels)
    value = address if bare else f"{space}{space.join(words)}{space}<{address}>{space}"
    read = simple_address(value)
    assert read is not None
    assert read == email.utils.parseaddr(value)
    assert [read] == email.utils.getaddresses([value])
