"""bookgen: personalized books written by LLMs."""

__version__ = "0.1.0"
