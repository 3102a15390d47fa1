"""Every change to a deputy's roster entry, record, group, station, score or report goes through a named action.

One module per area (``roster``, ``stations``, ``record``, ``scoring``, ``reports``); import the
area's module, e.g. ``from renda.deputies.actions import record``.
"""
