"""The Textual face of the troubleshooter: screens and widgets over the same walker and runner.

Nothing outside this package imports Textual; `cli.py` reaches it only through `app.run_tui`.
"""
