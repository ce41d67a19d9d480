"""practicebase: a knowledge base for sharing Prevent practice between UK police forces."""

__version__ = "0.1.0"
