"""The target agent: probes that depend on the user's libraries run inside the user's Python.

`client` (tool side) starts one agent per walk with the target interpreter and asks it for
probe results over a pipe, killing it at the deadline; `server` (target side) is the loop
that runs there. `server` and everything it imports must stay standard-library only: the
target has only the user's own packages.
"""
