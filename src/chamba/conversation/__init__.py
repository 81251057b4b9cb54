"""The guided conversation: an interviewer that walks a person through the kinds of work they
may have done and proposes skills, with evidence, for them to confirm or reject."""
