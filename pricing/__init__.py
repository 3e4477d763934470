"""The pricing catalog: versioned prices and rate limits, and the exact cost engine.

Imports nothing from `planner`.
"""
