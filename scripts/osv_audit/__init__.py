"""The parts of ``scripts/audit_deps.py`` (the audit of the pinned dependencies), one way down:

- :mod:`osv_audit.model`: the records (pins, advisory entries, findings, ignores, the database);
- :mod:`osv_audit.evaluate`: OSV range evaluation and the check itself (what is printed, the
  exit status);
- :mod:`osv_audit.osv`: reading an OSV source (git checkout, folder, zip) into a database
  document, and ``refresh`` writing one;
- :mod:`osv_audit.sources`: reading the inputs of a check (constraints, ignores, installed
  distributions, the offline database, PyPI's live JSON).

``scripts/audit_deps.py`` is the command line over them.
"""
