"""kg: a dated, sourced knowledge graph of the AI industry, built from news digests."""

__version__ = "0.1.0"
