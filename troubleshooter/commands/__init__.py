"""Subcommands of the CLI that are not walks (lint, …)."""
