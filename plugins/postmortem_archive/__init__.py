"""postmortem-archive: a static, searchable archive of incident postmortems."""

__version__ = "0.1.0"
