"""Screens own their flows: home (pick a symptom), walk (probe, confirm, diagnose), dialogs."""
