"""Every command of `mentoring`, added to the group in this one place."""

from __future__ import annotations

import click

from service.cli import attention, core, corrections, demo, jobs, people, report, rounds

COMMANDS: tuple[click.Command, ...] = (
    attention.attention_group,
    core.init,
    core.config,
    core.mailbox,
    demo.demo,
    jobs.process,
    jobs.tick,
    jobs.worker,
    jobs.jobs_status,
    people.person_group,
    corrections.pairing_group,
    corrections.meeting_group,
    people.export,
    report.report,
    rounds.round_group,
)


def register(group: click.Group) -> click.Group:
    for command in COMMANDS:
        group.add_command(command)
    return group
