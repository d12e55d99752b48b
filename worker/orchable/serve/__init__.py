"""`orchable serve`: email answer pages, webhook and Slack answers, and trigger_webhook over
HTTP (Starlette on uvicorn), as the least-privileged orchable_serve role."""

from orchable.serve.app import create_app

__all__ = ["create_app"]
