"""Agent-based simulator of how online sales communities convert."""

__version__ = "0.1.0"
