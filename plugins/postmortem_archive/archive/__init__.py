"""The collection of postmortems: facets, action items, recurrence of patterns, metrics."""
