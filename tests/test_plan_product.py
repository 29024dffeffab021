"""Product availability is a fact of the product, the same for every plan of a comparison."""

from __future__ import annotations

import pytest

from sim.engine import ConfigError
from sim.plans import plan_from_data


def test_a_plan_cannot_open_or_close_the_shop():
    with pytest.raises(ConfigError, match=r"product\.list_price_on_sale"):
        plan_from_data({"name": "x", "list_price_on_sale": False, "touchpoints": []}, "p.yaml")
