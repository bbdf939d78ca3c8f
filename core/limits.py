"""Limits every layer enforces alike: the models' constraints, the forms and the file reader."""

# Longest text a section may enter in one field (the longest cell of the documents is ~600).
MAX_TEXT_LENGTH = 4000
