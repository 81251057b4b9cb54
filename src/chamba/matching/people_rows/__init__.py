"""The SQL of the candidate side of matching: the people table's columns, candidates loaded
without their encrypted columns, and their own words read by id (kept apart from
:mod:`chamba.matching.repository` to keep each module short)."""
