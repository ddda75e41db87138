"""What readers get as pages: rendering, generated pages, listings, exports, charts, templates."""
