"""Search layer: regions, metadata filters, hybrid retrieval and optional reranking.

Imports ``core`` and ``index``.
"""
