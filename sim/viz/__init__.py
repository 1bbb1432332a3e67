"""Figures and pages. Imported lazily by the I/O layer and the CLI; the core never imports it."""
