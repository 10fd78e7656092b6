"""Stand-in for transformers: only `__version__`, from the JSON file named by
`FAKE_TRANSFORMERS` (`{"version": "4.46.0"}`). Unset: the import fails, as if not installed."""

import json as _json
import os as _os

if not _os.environ.get("FAKE_TRANSFORMERS"):
    raise ImportError("No module named 'transformers' (fake: FAKE_TRANSFORMERS is not set)")

with open(_os.environ["FAKE_TRANSFORMERS"], encoding="utf-8") as _f:
    __version__: str = str(_json.load(_f).get("version", "4.46.0"))
