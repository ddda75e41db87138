"""Work run on a second core in forked processes (no MkDocs import)."""
