"""The Badia dashboard: a Dash app to run scenarios, look at saved runs and batches, compare variants and
teach with lessons. Sits around the core; the core never imports it. Start it with `badia dashboard`.
"""
