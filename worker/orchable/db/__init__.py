"""Database access: one async function per RPC (SQL lives only in this package)."""
