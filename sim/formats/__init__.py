"""The file formats (scenario, experiment, lesson), declared once as pydantic models.

Each key's name, type, default, bounds, unit and description is written in exactly one place, a model in
this package. The loaders validate against the models; the key tables in the docs, the JSON Schemas that
editors use, and `badia schema` are all generated from them.
"""
