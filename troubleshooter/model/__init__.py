"""Frozen data types shared by every layer: playbooks, probe results, walk steps, reports."""
