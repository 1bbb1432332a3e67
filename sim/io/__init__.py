"""Writing and reading run directories. Sits around the core; the core never imports it."""
