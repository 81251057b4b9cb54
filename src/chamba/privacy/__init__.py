"""A person's rights over their data (Ley 29733): export everything, erase everything."""
