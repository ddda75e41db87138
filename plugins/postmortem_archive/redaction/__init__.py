"""Engineers' names out of the published site: the redactor, the sweep, the leak check."""
