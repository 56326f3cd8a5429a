"""Placeholder: the programme sections are registered here (filled in the next commit)."""
