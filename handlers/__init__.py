"""Handlers: one module per thing a person can ask for by email.

Each module exposes its command object(s) (`service.email_command.EmailCommand`);
`COMMANDS` lists them all, in the order emails list them to people, and
`service.bootstrap` builds the App's command table from it. Adding a command is one
module here (its `EmailCommand` and handler), a line below, its templates and tests.
"""

from handlers import (
    accept,
    capacity,
    continue_,
    data,
    decline,
    feedback,
    help_,
    hold,
    keep,
    meeting_fix,
    met,
    none,
    not_responding,
    not_this_round,
    note,
    pair,
    pause,
    register,
    reinstate,
    reopen,
    resend,
    resume,
    status,
    unpair,
    withdraw,
)
from service.bus import Handler
from service.email_command import CommandTable, EmailCommand

COMMANDS: tuple[EmailCommand, ...] = (
    register.CONFIRM,
    accept.ACCEPT,
    decline.DECLINE,
    keep.WITHDRAW_REQUEST,
    keep.KEEP,
    none.NONE,
    not_responding.NOT_CONTACTED,
    met.MET,
    continue_.CONTINUE,
    feedback.FEEDBACK,
    not_responding.NOT_RESPONDING,
    unpair.UNPAIR,
    pause.PAUSE,
    resume.RESUME,
    capacity.CAPACITY,
    not_this_round.NOT_THIS_ROUND,
    withdraw.WITHDRAW,
    status.STATUS,
    help_.HELP,
    data.MY_DATA,
    data.DELETE_MY_DATA,
    hold.HOLD,
    # The coordinators' corrections (never offered to participants).
    pair.PAIR,
    reopen.REOPEN,
    meeting_fix.EDIT_MEETING,
    meeting_fix.DELETE_MEETING,
    note.NOTE,
    resend.RESEND,
    reinstate.REINSTATE,
)
TABLE = CommandTable(COMMANDS)

# A registration form from the trusted form relay.
FORM_HANDLER: Handler = register.register
