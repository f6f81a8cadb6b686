"""Reports of results: Markdown and self-contained HTML with plots, junit.xml."""
