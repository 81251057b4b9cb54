"""What job postings and courses share: the posting columns, location and publisher shapes, and
the SQL that reads any posting-like table the same way (used by ``jobs`` and ``courses``)."""
