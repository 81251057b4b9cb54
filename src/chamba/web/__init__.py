"""The web pages (Jinja2 + HTMX): a shell over the features' services, like the API."""
