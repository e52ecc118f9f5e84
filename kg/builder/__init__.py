"""The build: reading engines, the build cache, each file's contribution, and assembling the graph."""
