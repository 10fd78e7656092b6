"""The tool's own version, in a module of its own.

The package root lazily exposes the notebook API, so a core module that read the version from
the root would (on paper) depend on the notebook face; reading it from here keeps the layers clean.
"""

__version__ = "0.1.0"
