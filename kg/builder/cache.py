"""The build cache: what reading one digest gave (items, mentions, warnings, problem), one entry per file.

An entry is used only when everything that went into it is unchanged:

- the file: its path (items record the file name, warnings the path) and the sha256 of its bytes;
- the lines that recur across the digests of the file's folder (a source's boilerplate, dropped when it is read);
- the rules, as far as extraction may read them: every field of the validated rules (gazetteer entities,
  aliases, name patterns with all their options, stopwords, and any field added to them), serialised in a
  canonical form and hashed; not the relation rules (they run after reading, on every build, so changing them
  keeps the cache);
- the statistical model (`kg.extract.mentions.model_fingerprint`), the reading code (every kg module that runs while a
  file is read, plus the versions of Python, spaCy and jieba) and the options `--date` and `--max-file-mb`.

Next to each entry, `<same name>.piece` keeps what the file added to the last build (kg/builder/contributions.py): its items,
its name tally, and the relations found in its new items with the resolutions they depended on. Its key is the
entry's plus `assembly_fingerprint` (every rules file, relation rules included, and the code that makes
pieces): a rebuild takes an unchanged file's piece instead of loading its entry and finding its relations again.

An entry is `<cache>/<sha256 of the path>.entry`: one JSON header line with that key, then a pickle of the
result (a piece likewise). Entries are written to a temporary file and renamed, so a killed build never leaves
half an entry; an entry that cannot be read is ignored and the file read again. `manifest.json` keeps the fingerprints of the
last build so the next one can say why it re-extracts everything ("rules changed (gazetteer/companies.yml)").
The cache holds pickles: keep it in a folder only you can write to.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.builder.fingerprints import FORMAT, assembly_fingerprint, code_fingerprint, rule_file_hashes, rules_fingerprint
from kg.builder.readers import FileResult, ReaderConfig
from kg.extract.rules import Rules

ENTRY_SUFFIX = ".entry"
PIECE_SUFFIX = ".piece"
MANIFEST = "manifest.json"


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    notes: list[str] = field(default_factory=list)  # why it was invalidated, problems writing it

    def summary(self) -> str:
        return f"cache: {self.hits} hit(s), {self.misses} file(s) read" + "".join(f"; {n}" for n in self.notes)


class BuildCache:
    """One folder of entries; `lookup` says which files can be loaded, `load` and `store` do it."""

    def __init__(self, directory: Path, rules: Rules, config: ReaderConfig):
        from kg.extract.mentions import model_fingerprint

        self.directory = Path(directory)
        self.assembly = assembly_fingerprint(rules)
        self.config = config
        self.stats = CacheStats()
        self.fingerprints = {
            "format": FORMAT,
            "rules": rules_fingerprint(rules),
            "rule_files": rule_file_hashes(rules),
            "model": model_fingerprint(config.use_model),
            "code": code_fingerprint(),
            "options": {"date": config.fallback_date, "max_bytes": config.max_bytes},
        }
        self._writable = True
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# kg build cache: safe to delete\n*\n", encoding="utf-8")
            for stale in self.directory.glob(".tmp-*"):  # left by a killed build (an hour old: not being written)
                if time.time() - stale.stat().st_mtime > 3600:
                    stale.unlink(missing_ok=True)
        except OSError as exc:
            self._writable = False
            self.stats.notes.append(f"cannot write the cache folder {self.directory} ({exc.strerror}): not cached")

    # -- keys
    def key(self, path: Path) -> dict | None:
        """The key of a file's entry, or None if the file cannot be hashed (it is read, not cached)."""
        try:
            if Path(path).stat().st_size > self.config.max_bytes:
                return None
            content = Path(path).read_bytes()
        except OSError:
            return None
        fp = self.fingerprints
        return {"format": FORMAT, "path": str(path), "sha256": hashlib.sha256(content).hexdigest(),
                "rules": fp["rules"], "model": fp["model"], "code": fp["code"], "options": fp["options"],
                "boilerplate": self._boilerplate(Path(path).parent, content)}

    def _boilerplate(self, folder: Path, content: bytes) -> str:
        """Those of the lines recurring across the folder's digests (dropped as boilerplate when a file is read)
        that this file holds: files added to or removed from a source can make a line of an unchanged file
        boilerplate or stop it being boilerplate, and then it is read again. Recurring headings are compared by words, not as
        text, so each counts for every file of the folder."""
        from kg.ingest.digest import ZERO_DIGITS, repeated_lines

        known = self.__dict__.setdefault("_boilerplate_by_folder", {})
        if folder not in known:
            known[folder] = sorted(repeated_lines(folder))
        repeated = known[folder]
        if not repeated:
            return ""
        masked = content.translate(ZERO_DIGITS)
        held = [line for line in repeated if line.startswith(b"#") or line in content or line in masked]
        return hashlib.sha256(b"\n".join(held)).hexdigest()[:16] if held else ""

    def _entry(self, path: Path, suffix: str = ENTRY_SUFFIX) -> Path:
        return self.directory / (hashlib.sha256(str(path).encode()).hexdigest()[:32] + suffix)

    def _piece_key(self, key: dict) -> dict:
        return {**key, "assembly": self.assembly}

    def _header(self, entry: Path) -> dict | None:
        try:
            with open(entry, "rb") as f:
                return json.loads(f.readline())
        except (OSError, ValueError):
            return None

    # -- use
    def lookup(self, files: list[Path]) -> tuple[dict[Path, dict | None], set[Path]]:
        """Keys of all files and the files whose entry matches (to be loaded); notes why the rest miss."""
        keys = self.keys = {path: self.key(path) for path in files}
        hits = {path for path, key in keys.items() if key is not None and self._header(self._entry(path)) == key}
        self._explain(len(files), len(files) - len(hits))
        return keys, hits

    def piece_hits(self, keys: dict[Path, dict | None], hits: set[Path]) -> set[Path]:
        """The files (among the hits) whose piece was made from the same entry, rules and code."""
        return {path for path in hits if self._header(self._entry(path, PIECE_SUFFIX)) == self._piece_key(keys[path])}

    def load_piece(self, path: Path, key: dict):
        """The file's piece (kg/builder/contributions.py), or None when it is missing, changed since lookup, or corrupt."""
        from kg.builder.contributions import Piece

        try:
            with open(self._entry(path, PIECE_SUFFIX), "rb") as f:
                if json.loads(f.readline()) != self._piece_key(key):
                    return None
                piece = pickle.load(f)
        except Exception:  # noqa: BLE001 - any unreadable piece is a miss, never a crash
            return None
        if not isinstance(piece, Piece) or str(piece.path) != str(path) or piece.relations is None:
            return None
        piece.from_cache = True
        return piece

    def store_piece(self, path: Path, key: dict | None, piece) -> None:
        if key is not None:
            self._write(self._entry(path, PIECE_SUFFIX), self._piece_key(key), piece)

    def load(self, path: Path, key: dict) -> FileResult | None:
        """The cached result, or None when the entry is missing, changed since lookup, or corrupt."""
        try:
            with open(self._entry(path), "rb") as f:
                if json.loads(f.readline()) != key:
                    return None
                result = pickle.load(f)
        except Exception:  # noqa: BLE001 - any unreadable entry is a miss, never a crash
            return None
        if not isinstance(result, FileResult) or str(result.path) != str(path):
            return None
        result.cached = True
        result.parse_seconds = result.extract_seconds = 0.0
        return result

    def store(self, path: Path, key: dict | None, result: FileResult) -> None:
        """Write atomically (temporary file in the same folder, then rename)."""
        if key is not None:
            self._write(self._entry(path), key, result)

    def _write(self, target: Path, key: dict, value) -> None:
        if not self._writable:
            return
        payload = json.dumps(key).encode() + b"\n" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=ENTRY_SUFFIX, dir=self.directory)
            with os.fdopen(fd, "wb") as f:
                f.write(payload)
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:
            self._writable = False
            self.stats.notes.append(f"cannot write to the cache {self.directory} ({exc.strerror}): not cached")
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def finish(self) -> None:
        """Record the fingerprints of this build for the next one's explanation."""
        if not self._writable:
            return
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.directory)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.fingerprints, f, indent=1, sort_keys=True)
            os.replace(tmp, self.directory / MANIFEST)
        except OSError:
            pass

    def _explain(self, total: int, missing: int) -> None:
        """Why entries do not match, from the fingerprints of the last build."""
        try:
            before = json.loads((self.directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            before = None
        if not isinstance(before, dict):
            before = None
        now = self.fingerprints
        reasons = []
        if before is None:  # a new cache, or one whose first build was stopped before it finished
            if missing == total:
                self.stats.notes.append(f"new cache in {self.directory}: all {total} files read")
            return
        if before.get("format") != now["format"] or before.get("code") != now["code"]:
            reasons.append("kg's reading code changed")
        if before.get("rules") != now["rules"]:
            old = before.get("rule_files", {})
            changed = sorted(n for n in set(old) | set(now["rule_files"]) if old.get(n) != now["rule_files"].get(n))
            reasons.append("rules changed" + (f" ({', '.join(changed)})" if changed else ""))
        elif before.get("rule_files") != now["rule_files"]:
            old = before.get("rule_files", {})
            changed = sorted(n for n in set(old) | set(now["rule_files"]) if old.get(n) != now["rule_files"].get(n))
            self.stats.notes.append(
                f"rules changed ({', '.join(changed)}) but not what extraction reads: extraction cache kept"
            )
        if before.get("model") != now["model"]:
            reasons.append("NER model changed")
        if before.get("options") != now["options"]:
            reasons.append("--date/--max-file-mb changed")
        if reasons:
            self.stats.notes.append(
                " and ".join(reasons) + (f": all {total} files re-extracted" if missing == total
                                         else f": {missing} of {total} files re-extracted")
            )
