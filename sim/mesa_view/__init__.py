"""The Mesa view of the array engine.

A ``mesa.Model`` (``model.py``) whose agents (``agents.py``) are views on one replicate of the
engine's arrays, for Mesa's tools and the classroom page.
"""

from .agents import ROW, Member
from .model import MODEL_REPORTERS, CommunityModel

__all__ = ["MODEL_REPORTERS", "ROW", "CommunityModel", "Member"]
