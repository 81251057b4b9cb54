"""A person's skills report: confirmed skills by sector with their own words, certified skills
marked, languages, availability and the best next steps; as a page and as a PDF."""
