"""Imports: many ISBNs (a JSON list, a CSV column, or a Goodreads export) added as one job outside the request."""
