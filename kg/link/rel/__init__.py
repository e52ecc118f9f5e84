"""The learned relation classifier: pair instances (instances.py), silver and hand-annotated training data
(silver.py), training (train.py, config.cfg) and the build-time component (component.py). See docs/relations.md."""
