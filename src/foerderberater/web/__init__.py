"""Web layer: the Gradio app (a thin adapter over ``Advisor``) and its admin helpers."""
