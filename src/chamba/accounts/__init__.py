"""Opening accounts (registration, administration of accounts): above auth, people, audit."""
