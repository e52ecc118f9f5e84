"""kg: a dated, sourced knowledge graph of the AI industry, built from news digests.

The Python API (docs/python-api.md): `kg.build(inputs, out=...)`, `kg.load("graph.ttl")` and
`kg.query(graph_or_store, sparql)`. They are imported on first use, so `import kg` loads no heavy module.
"""

__version__ = "0.1.0"

__all__ = ["BuildOutput", "KgError", "__version__", "build", "load", "query"]

_API = {"build", "load", "query", "BuildOutput"}


def __getattr__(name: str):
    if name in _API:
        from kg import api

        return getattr(api, name)
    if name == "KgError":
        from kg.errors import KgError

        return KgError
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
