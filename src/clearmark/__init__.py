"""ClearMark: labels AI-generated content and proves where content came from."""
