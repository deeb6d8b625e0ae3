"""`python -m qa_service …` runs the `qa` command line."""

from qa_service.cli import app

app()
