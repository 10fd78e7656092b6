"""Report renderers: JSON, Markdown (pasteable into a GitHub issue), self-contained HTML, text."""
