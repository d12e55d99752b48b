"""orchable: a database-first orchestrator for LLM pipelines on PostgreSQL / Supabase."""

__version__ = "0.1.0"
