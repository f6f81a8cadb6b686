"""Clinic visit records pipeline."""
