"""Projections: demand peaks, headroom per tier, tier recommendation, spend forecast and launch
scenarios. Pure functions of plain inputs (rows, the catalog, an explicit date); no clock reads."""
