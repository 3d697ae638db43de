"""Checks against known truth and real-data benchmarks, kept out of the product modules.

Each module checks one stage: against the synthetic world's truth (``truth`` tables of the demo world) or
against a public real dataset (Maven CRM, X Education). Notebooks call them on the demo world only.
"""
