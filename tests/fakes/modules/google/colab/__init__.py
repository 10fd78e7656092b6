"""Stand-in for Colab's `google.colab`: just `userdata` (notebook secrets) and `errors`.

There is deliberately no `google/__init__.py`: `google` stays a namespace package, so other
`google.*` distributions (protobuf, ...) still import next to this one.
"""

__version__ = "0.0.1a2"
