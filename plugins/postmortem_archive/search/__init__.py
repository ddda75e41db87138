"""Pagefind search: what is indexed, in which bundles, and indexing beside the build."""
