"""Audit log: who (admin, counselor) did what to whose personal data, and when."""
