"""forcegen: force-generation and logistics planning optimizer."""

__version__ = "0.1.0"
