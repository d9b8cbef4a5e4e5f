"""Read-time policy: what a query may show of the stored candidates (filters today; the
editor-box policy of QueryConfig lands here)."""
