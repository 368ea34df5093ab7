"""The archive interchange format, version 1 (docs/interchange.md): reading, validating,
importing and exporting JSON Lines files."""
