"""Evaluations over labelled folders: datasets (reading them), grounding, summary and clustering
(the three `briefing eval` commands), metrics, baselines, and the verifier's adversarial set."""
