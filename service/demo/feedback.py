"""The demo's people answering "How is your mentoring going?" with a score.

Check-ins and the end-of-programme email ask it. As in a real programme, only some
people answer: every second partnership that keeps meeting is the answering kind,
and even they skip some check-ins. Both partners answer the same email (a day or two
apart), because the service reads an answer from one side only as a sign that the
other has gone quiet (the unresponsiveness ladder), which is not the story here.

Each answer is a reply to the very email that asked, through the real pipeline, in the
shapes people write ("4", "5 thanks!", "4/5 - really helpful ..."), now and then a low
"2" that puts the partnership on the coordinators' list. Decisions come from their own
random stream, seeded from the demo's seed, so the rest of the year plays as before.
"""

from __future__ import annotations

import random
from datetime import timedelta
from functools import partial

from service.demo.agenda import Agenda
from service.demo.letters import Sent
from service.demo.world import World

# The emails that ask for a score, and how often an answering pair answers each.
ASKING = {"check_in": 0.5, "programme_end": 0.8}
ANSWERING_PAIRS = 2  # every second partnership that meets all year answers
LOW_SCORE = 0.07  # how often an answer is a low score

ANSWERS = (
    "4",
    "5",
    "5 thanks!",
    "4/5 - really helpful to talk about promotion",
    "Four - good to have someone outside my team to ask",
    "5 - my mentor has been brilliant, thank you",
    "I'd say 4. We are working on my application for the next grade.",
    "4\n\nThank you for organising this.",
    "3 - fine so far, still finding our feet",
)
LOW = ("2 - we keep missing each other", "2, we have only managed one meeting")


class Answers:
    """Watches what the service sends; answers the asking emails of answering pairs."""

    def __init__(self, world: World, agenda: Agenda, seed: int) -> None:
        self.world = world
        self.agenda = agenda
        self.rng = random.Random(f"feedback-{seed}")
        self.pairings: dict[str, set[int]] = {}  # address -> answering pairings they are in
        self.decided: dict[tuple[int, str], bool] = {}  # (pairing, asking) -> answered?
        self.joined = 0
        world.sent.listeners.append(self.noticed)

    def join(self, pairing_id: int, *addresses: str) -> None:
        """A partnership that may answer: every second one, the first included, so even
        a small demo has answers to report."""
        self.joined += 1
        if self.joined % ANSWERING_PAIRS == 1:
            for address in addresses:
                self.pairings.setdefault(address.lower(), set()).add(pairing_id)

    def noticed(self, address: str, sent: Sent) -> None:
        rate = ASKING.get(sent.template)
        ids = self.pairings.get(address.lower())
        if rate is None or not ids:
            return
        purpose = self.world.purpose_of(sent)
        if purpose.id not in ids or not purpose.feedback:
            return
        # One decision per asking, shared by both partners (see the module's docstring).
        key = (purpose.id, purpose.feedback)
        if key not in self.decided:
            self.decided[key] = self.rng.random() < rate
        if self.decided[key]:
            when = self.world.local(self.world.now).date() + timedelta(days=self.rng.randint(0, 2))
            hour, minute = self.rng.randrange(9, 18), self.rng.randrange(0, 60)
            self.agenda.on(when, partial(self.answer, sent), hour=hour, minute=minute)

    def words(self) -> str:
        if self.rng.random() < LOW_SCORE:
            return self.rng.choice(LOW)
        return self.rng.choice(ANSWERS)

    def answer(self, sent: Sent) -> None:
        self.world.reply(sent, self.words())
