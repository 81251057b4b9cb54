"""chamba.ingest: importers for jobs, people and courses (validate every row, then write all or nothing)."""
