"""The coordinators' command-line tool, `mentoring`."""
