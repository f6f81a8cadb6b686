"""Flight records pipeline."""
