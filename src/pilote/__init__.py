"""Pilote: steer a product roadmap by business and user impact with OKRs."""

__version__ = "0.1.0"
