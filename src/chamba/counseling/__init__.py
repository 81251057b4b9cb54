"""Counselor access: seekers grant and revoke it; counselors see granted people and write notes."""
