"""Shipment records pipeline."""
