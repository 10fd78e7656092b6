"""The headless engine: YAML source, loader, linter, conditions, walker and runner."""
