"""Evaluation: ranking metrics, BEIR data sets, the gold set and the Projekt-Check profiles."""
