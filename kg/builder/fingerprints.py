"""The fingerprints that key the build cache (kg/builder/cache.py): of the rules as extraction reads them, of
the reading code, of the code that makes a file's contribution, and of a reader's whole configuration."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import sys
from pathlib import Path

from kg.extract.rules import Rules

FORMAT = 1

# The reading code: what runs while a file is read (paths relative to kg/); every other module runs after it.
_READING = ("__init__.py", "errors.py", "records.py", "ingest", "extract", "builder/readers.py")

_code_fp: str | None = None


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def code_fingerprint() -> str:
    """Changes with the code that reads a file (and the versions of Python, spaCy, jieba and kg)."""
    global _code_fp
    if _code_fp is None:
        import jieba
        import spacy

        from kg import __version__

        root = Path(__file__).resolve().parent.parent
        parts = [f"{FORMAT} {__version__} {sys.version_info[:3]} {spacy.__version__} {jieba.__version__}".encode()]
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root)
            if not any(rel.as_posix() == part or rel.as_posix().startswith(part + "/") for part in _READING):
                continue
            parts += [str(rel).encode(), path.read_bytes()]
        _code_fp = _sha(*parts)[:16]
    return _code_fp


# The modules that turn file results into pieces (kg/builder/contributions.py), besides the reading code.
_PIECE_CODE = ("builder/contributions.py", "builder/pipeline.py", "link/relations.py", "link/resolve.py")


def assembly_fingerprint(rules: Rules) -> str:
    """Changes with what turns a file's result into its piece (kg/builder/contributions.py): every rules file (the
    relation rules too), the reading code, the modules that make pieces and the relation classifier (its code in
    kg/link/rel/ and its model files in kg/models/rel/)."""
    cached = rules.__dict__.get("_kg_assembly_fingerprint")
    if cached:
        return cached
    root = Path(__file__).resolve().parent.parent
    parts = [json.dumps(rule_file_hashes(rules), sort_keys=True).encode(), code_fingerprint().encode()]
    for name in _PIECE_CODE:
        parts += [name.encode(), (root / name).read_bytes()]
    for folder in (root / "link" / "rel", root / "models" / "rel"):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                parts += [str(path.relative_to(root)).encode(), path.read_bytes()]
    rules.__dict__["_kg_assembly_fingerprint"] = fp = _sha(*parts)[:16]
    return fp


# Fields of the validated rules that are not what extraction reads: where the rules were loaded from and where
# each entry was written (for messages), and the relation rules with their factuality cues (run after reading, on
# every build; a piece's key covers them through `assembly_fingerprint`). Every other field is in the key.
_NOT_EXTRACTION = frozenset({"directory", "files", "source", "relation_rules", "headline_rules", "factuality",
                             "factuality_window"})


def canonical_rules(rules: Rules):
    """The validated rules as plain JSON data, every field but `_NOT_EXTRACTION`, in a stable form."""
    return _canonical(rules)


def _canonical(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _canonical(getattr(value, name)) for name in _content_fields(type(value))}
    if isinstance(value, re.Pattern):
        return {"regex": value.pattern, "flags": value.flags}
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}  # order: json's sort_keys
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"the build cache cannot key a rules field of type {type(value).__name__}: add it to _canonical")


@functools.cache
def _content_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in _NOT_EXTRACTION)


def rules_fingerprint(rules: Rules) -> str:
    """Changes with any part of the validated rules that extraction may read (all but the relation rules)."""
    cached = rules.__dict__.get("_kg_cache_fingerprint")
    if cached:
        return cached
    text = json.dumps(canonical_rules(rules), ensure_ascii=False, sort_keys=True)
    rules.__dict__["_kg_cache_fingerprint"] = fp = _sha(text.encode())[:16]
    return fp


def rule_file_hashes(rules: Rules) -> dict[str, str]:
    """sha256 of every rules file, by its name relative to the rules folder (to say which one changed)."""
    out = {}
    for path in sorted(rules.files):
        try:
            name = str(Path(path).resolve().relative_to(Path(rules.directory).resolve()))
        except ValueError:
            name = str(path)
        try:
            out[name] = _sha(Path(path).read_bytes())[:16]
        except OSError:
            out[name] = "unreadable"
    return out


def config_token(rules: Rules, config) -> str:
    """One string for everything but the file that decides what reading a file gives (`config`: the build's
    kg.builder.readers.ReaderConfig)."""
    from kg.extract.mentions import model_fingerprint

    return _sha(json.dumps([rules_fingerprint(rules), model_fingerprint(config.use_model), code_fingerprint(),
                            config.fallback_date, config.max_bytes]).encode())[:16]
