"""Colab's shared error types (same names and hierarchy as colabtools)."""


class Error(Exception):
    """Base class for Colab errors; huggingface_hub catches it as `ColabError`."""


class AuthorizationError(Error):
    """An authorization step failed."""
