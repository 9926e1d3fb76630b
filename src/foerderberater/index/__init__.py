"""Index layer: read corpus files, chunk, embed, analyse for BM25, store and build versions.

Imports only ``core``.
"""
