"""The pricing catalog: versioned prices and rate limits, and the exact cost engine.

Imports nothing from `planner`. The interface is docs/CONTRACTS.md section 1.
"""

from pricing.catalog import Catalog, load_catalog
from pricing.cost import CostResult, Usage, price_usage
from pricing.schema import Band, CatalogError, GroupLimits, Model, PriceEntry, Tier

__all__ = [
    "load_catalog",
    "Catalog",
    "CatalogError",
    "Model",
    "PriceEntry",
    "Band",
    "Tier",
    "GroupLimits",
    "Usage",
    "CostResult",
    "price_usage",
]
