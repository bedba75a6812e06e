"""The REST API (FastAPI): request books over HTTP, follow them, download them. Runs on Cloud Run
(`api/main.py`) and in `bookgen serve`."""
