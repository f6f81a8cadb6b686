"""Sales CSV to Markdown report."""
