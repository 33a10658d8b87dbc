"""Tests for the matching engine."""
