"""In-app inbox notifications for seekers, and e-mail through a pluggable sender."""
