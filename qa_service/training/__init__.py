"""Trained artefacts of the package and the commands that reproduce them from the gold splits."""
