"""ClearMark: labels AI-generated content and proves where content came from."""

__version__ = "0.1.0"
