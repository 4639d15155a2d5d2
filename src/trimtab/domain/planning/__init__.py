"""The orders that answer a trigger: targets, sizing, routing to venues, hedges, the planner."""
