"""What insight does when an opinion arrives: called by ``renda.opinions.hooks.on_received``.

It runs inside the intake action's transaction (an audit listener of ``opinion.received``), so the
analysis, the cluster assignment and the search index entry (``renda.opinions.search``) commit with
the opinion, or not at all. ``renda.insight.pipeline`` does the same for many opinions at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from renda.insight import clusters, routing

if TYPE_CHECKING:
    from renda.insight.models import OpinionAnalysis
    from renda.opinions.models import Opinion


def on_opinion_received(opinion: Opinion) -> OpinionAnalysis:
    """Route the new opinion (stored suggestion), put it into its near-duplicate cluster, index it for search."""
    from renda.opinions.search import index_opinion

    analysis = routing.analyse(opinion)
    clusters.assign(opinion, analysis.tokens.split())
    index_opinion(opinion)
    return analysis
