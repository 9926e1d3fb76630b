"""Core layer: value types, errors, settings, the metadata schema, text and number helpers.

Imports nothing from the other layers.
"""
