"""Reports: `build` (a walk's Session -> the JSON-able document), `document` (the `Report` object
and `write_report`, the one way a face writes a file), `render` (JSON, Markdown, HTML, text) and
`rich_render` (what `rich.print(report)` shows). Above the engine, below every face.
"""
