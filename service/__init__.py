"""The mentoring programme mail service: core package."""
