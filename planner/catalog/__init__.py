"""The pricing catalog: versioned prices and rate limits, and the exact cost engine.

Imports nothing from `planner`. The interface is docs/CONTRACTS.md section 1.
"""

from planner.catalog.catalog import Catalog, load_catalog
from planner.catalog.cost import CostResult, Usage, price_usage
from planner.catalog.schema import Band, CatalogError, GroupLimits, Model, PriceEntry, Tier

__all__ = [
    "Band",
    "Catalog",
    "CatalogError",
    "CostResult",
    "GroupLimits",
    "Model",
    "PriceEntry",
    "Tier",
    "Usage",
    "load_catalog",
    "price_usage",
]
