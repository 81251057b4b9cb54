"""chamba.ingest: importers for jobs, people and courses (validate every row, then write all or nothing).

Entry point: :func:`chamba.ingest.service.import_file`, returning an
:class:`chamba.ingest.report.ImportReport`.
"""
