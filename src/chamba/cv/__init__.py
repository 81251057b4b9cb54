"""CVs: read a PDF (text layer) or Word (.docx) CV, propose its skills and show its work
history, education and languages; JSON Resume import and export of a seeker's profile."""
