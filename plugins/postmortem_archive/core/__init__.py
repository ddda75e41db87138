"""The postmortem itself: its schema, the file's parsing and validation, the build's settings."""
