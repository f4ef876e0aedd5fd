"""Kibana saved objects: the generator (`saved_objects`) and its output, `saved-objects.ndjson`."""
