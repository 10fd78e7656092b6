"""Fixes a machine can apply: declared actions, the apply flow (dry-run, consent, verify) and undo.

A regular package (not a namespace one) so import contracts and tools see its modules.
"""
