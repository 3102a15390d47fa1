"""Livelihood actions: every state change of the cycle, one module per stage group."""
