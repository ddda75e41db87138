"""`postmortem import`: legacy postmortems in, schema-valid postmortems out."""
