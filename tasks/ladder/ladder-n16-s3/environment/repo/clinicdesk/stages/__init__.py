"""Pipeline stages, in order."""
