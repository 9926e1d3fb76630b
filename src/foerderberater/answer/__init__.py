"""Answer layer: condense follow-ups and compose grounded answers from search hits."""
