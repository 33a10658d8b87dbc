"""A coordinator's resend: the same email again, as a new message.

The stored bytes are sent again with a new Message-ID and Date (and nothing else
changed: the headers keep the shape `service.mail.wire` wrote and `verify` checked), under
a new idempotency key that names the resend (`service.corrections.resend_key`), so the
outbox's rule "one logical email, once" still holds for everything else.
"""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import format_datetime

from service.mail.compose import new_message_id
from service.store.records import OutboundMessage

_MESSAGE_ID = re.compile(rb"^Message-ID: <[^>\r\n]+@([^>\r\n]+)>\r$", re.M)
_DATE = re.compile(rb"^Date: [^\r\n]*\r$", re.M)


def copy_of(original: OutboundMessage, key: str, now: datetime) -> OutboundMessage:
    """A new outbound record for `original`'s bytes, under `key`, to go at once."""
    head, sep, body = original.raw.partition(b"\r\n\r\n")
    found = _MESSAGE_ID.search(head)
    if found is None or not sep:
        raise ValueError("the stored email has no Message-ID of ours")
    message_id = new_message_id(found.group(1).decode("ascii"))
    head = _MESSAGE_ID.sub(f"Message-ID: {message_id}\r".encode("ascii"), head, count=1)
    head = _DATE.sub(f"Date: {format_datetime(now)}\r".encode("ascii"), head, count=1)
    return OutboundMessage(
        dedupe_key=key,
        to_address=original.to_address,
        template=original.template,
        message_id=message_id,
        raw=head + sep + body,
        created_at=now,
        person_id=original.person_id,
        next_attempt_at=now,
    )
