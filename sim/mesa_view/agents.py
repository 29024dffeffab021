"""Mesa agents for the members of a community: thin views over the engine's arrays.

A :class:`Member` holds nothing but its *slot* (its permanent index in the engine's arrays)
and the cell of that slot on the model's ``Network``. Every attribute is a property that
reads (or, for ``trust``, writes) the engine's arrays for the model's one replicate, so
the agent never holds a stale copy and there is no second implementation of the dynamics:
``CommunityModel.step`` advances the engine, and the agents simply show the new state.

Members who leave the group keep their agent, with ``status == "left"``; outside contacts
get an agent only when they join (see ``sim.mesa_view.CommunityModel``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import CellAgent

from sim.engine.params import LAYERS, STATUSES
from sim.engine.state import OUTSIDE

if TYPE_CHECKING:
    from sim.engine import Engine
    from sim.mesa_view.model import CommunityModel

# Row of the engine's (replicates, slots) arrays that a Mesa model views: it always runs
# its engine with ``replicates=1`` (the replicate index is set by ``first_replicate``).
ROW = 0


class Member(CellAgent):
    """One member of the community, placed on the network cell of its slot.

    Attributes are read from the engine on every access; the agent stores only ``slot``.
    ``trust`` can also be set, which writes the engine's trust array (the trust ladder
    stage follows at the end of the next step, as for any trust change).

    Args:
        model: the community model whose engine holds this member's state.
        slot: the member's permanent index in the engine's arrays (also its graph node).
    """

    def __init__(self, model: CommunityModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)
        self._engine: Engine = model.engine
        self.cell = model.network[self.slot]

    def __repr__(self) -> str:
        return (
            f"Member(slot={self.slot}, layer={self.layer!r}, status={self.status!r}, "
            f"stage={self.stage}, trust={self.trust:.3f})"
        )

    # ------------------------------------------------------------------ state
    @property
    def trust(self) -> float:
        """Trust in the operator (0..1)."""
        return float(self._engine.state.trust[ROW, self.slot])

    @trust.setter
    def trust(self, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"trust = {value!r}: must be between 0 and 1")
        self._engine.state.trust[ROW, self.slot] = value

    @property
    def stage(self) -> int:
        """Trust-ladder stage: 0-4 from trust, 5 bought, 6 shares (advocates)."""
        return int(self._engine.state.stage[ROW, self.slot])

    @property
    def status(self) -> str:
        """``"active"``, ``"dormant"`` (muted the group) or ``"left"``."""
        code = int(self._engine.state.status[ROW, self.slot])
        return "outside" if code == OUTSIDE else STATUSES[code]

    @property
    def group(self) -> int:
        """Index of the member's chat group (the last one, for members who left)."""
        return int(self._engine.state.group[ROW, self.slot])

    @property
    def present(self) -> bool:
        """Whether the member is in the group now (active or dormant)."""
        return self.status in ("active", "dormant")

    @property
    def fatigue(self) -> float:
        """Annoyance from unsolicited mass messages (0..1)."""
        return float(self._engine.state.fatigue[ROW, self.slot])

    @property
    def memory(self) -> float:
        """Remembered experience: weighted first, peak and final moments (0 if none)."""
        m = self._engine.params.memory
        weights = (m.weight_first, m.weight_peak, m.weight_final)
        position = np.array([ROW * self._engine.slots + self.slot])
        return float(self._engine.state.memory(position, weights)[0])

    @property
    def bought(self) -> bool:
        """Whether the member has bought."""
        return bool(self._engine.state.bought[ROW, self.slot])

    @property
    def buy_hour(self) -> int | None:
        """Campaign hour of the purchase (``None`` if the member has not bought)."""
        hour = int(self._engine.state.buy_hour[ROW, self.slot])
        return hour if hour >= 0 else None

    @property
    def paid(self) -> float:
        """Price paid (0 if the member has not bought)."""
        return float(self._engine.state.paid[ROW, self.slot])

    @property
    def shared(self) -> bool:
        """Whether the member has shared outward (stage 6)."""
        return bool(self._engine.state.shared[ROW, self.slot])

    @property
    def kol(self) -> bool:
        """Whether the operator cultivated this member as a key opinion leader."""
        return bool(self._engine.state.kol[ROW, self.slot])

    @property
    def join_hour(self) -> int:
        """Campaign hour the member joined (0 for the starting members)."""
        return int(self._engine.state.join_hour[ROW, self.slot])

    # ----------------------------------------------------------------- traits
    @property
    def layer(self) -> str:
        """``"core"``, ``"influence"`` or ``"peripheral"``."""
        return LAYERS[int(self._engine.traits.layer[ROW, self.slot])]

    @property
    def need(self) -> float:
        """How well the product fits this member (0..1)."""
        return float(self._engine.traits.need[ROW, self.slot])

    @property
    def reservation_price(self) -> float:
        """The most this member will pay."""
        ratio = self._engine.traits.price_ratio[ROW, self.slot]
        return float(ratio * self._engine.params.product.list_price)

    @property
    def conformity(self) -> float:
        """How strongly visible buying by others moves this member (0..1)."""
        return float(self._engine.traits.conformity[ROW, self.slot])

    @property
    def activity(self) -> float:
        """Chance of opening the group in a peak hour, before novelty and boosts."""
        return float(self._engine.traits.activity[ROW, self.slot])

    @property
    def trust_threshold(self) -> float:
        """Trust this member needs before buying is possible."""
        return float(self._engine.traits.trust_threshold[ROW, self.slot])

    @property
    def herd_threshold(self) -> float:
        """Granovetter threshold on perceived adoption."""
        return float(self._engine.traits.herd_threshold[ROW, self.slot])

    @property
    def fatigue_threshold(self) -> float:
        """Fatigue at which this member mutes the group."""
        return float(self._engine.traits.fatigue_threshold[ROW, self.slot])

    @property
    def degree(self) -> int:
        """Ties in the social graph (members and outside contacts)."""
        return int(np.rint(self._engine.degree[ROW, self.slot]))

    @property
    def centrality(self) -> float:
        """Eigenvector-style centrality in the social graph (maximum 1)."""
        return float(self._engine.centrality[ROW, self.slot])
