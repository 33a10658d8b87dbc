"""`mentoring demo`: a whole programme year, simulated in under a minute.

Synthetic people (`people`) write real emails (`letters`) into the local Maildir inbox;
the real pipeline, outbox and time-based jobs answer them on a simulated clock
(`world`); `script` is the year's story, `narrate` turns the audit trail into a dated
timeline, `summary` counts the outcome, and `run` prepares the folder and prints.
"""
