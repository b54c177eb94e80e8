"""Bronze: every batch as received (text), append-only, with its lineage."""
