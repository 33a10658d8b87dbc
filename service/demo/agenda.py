"""What happens when: a diary of people's actions, played in time order.

An action runs at its moment and may put further actions in the diary (a mentor answers
two days after the request arrives). Between actions the world's clock moves on, so
every daily job runs on the way; after each action the messages it delivered are
handled in one pass, as `mentoring process` would.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import date, datetime, timedelta

from service.demo.world import World

Action = Callable[[], None]


class Agenda:
    def __init__(self, world: World) -> None:
        self.world = world
        self._queue: list[tuple[datetime, int, Action]] = []
        self._order = itertools.count()

    def at(self, moment: datetime, action: Action) -> None:
        heapq.heappush(self._queue, (moment, next(self._order), action))

    def on(self, day: date, action: Action, hour: int = 10, minute: int = 0) -> None:
        self.at(self.world.moment(day, hour, minute), action)

    def run_until(self, end: datetime) -> None:
        """Play every action up to `end`, then move the clock to `end`.

        As the worker polls the mailbox every few minutes, the actions that fall before
        its next poll all happen first, then one pass handles what they delivered. An
        action planned by one of them (a reply to what the service will answer) waits
        for that pass.
        """
        poll = timedelta(minutes=self.world.config.schedule.poll_mailbox_every_minutes)
        while self._queue and self._queue[0][0] <= end:
            until = min(max(self._queue[0][0], self.world.now) + poll, end)
            planned_before = next(self._order)
            while self._queue and self._queue[0][0] <= until and self._queue[0][1] < planned_before:
                moment, _, action = heapq.heappop(self._queue)
                self.world.advance(max(moment, self.world.now))
                action()
            self.world.process()
        self.world.advance(end)
