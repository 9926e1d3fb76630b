"""Förderberater – grounded answers about funding programmes in the Mitteldeutsches Revier."""

__version__ = "0.1.0"
