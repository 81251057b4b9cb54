"""chamba.ingest: importers for jobs, people and courses.

Every record is validated, then all are written or none. Entry point:
:func:`chamba.ingest.service.import_file`, returning an :class:`chamba.ingest.report.ImportReport`.
"""
