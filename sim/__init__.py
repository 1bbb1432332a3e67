"""Badia: a conflict-scenario agent-based simulator whose runs output territory curves."""

__version__ = "0.1.0"
