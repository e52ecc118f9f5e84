"""Load and validate a rules folder: gazetteer files, name patterns and relation patterns.

The default rules are the top-level `rules/` folder of the source tree, shipped inside the package as
`kg/_rules`; `--rules DIR` or `KG_RULES=DIR` use another folder (`kg rules init DIR` copies the defaults there).

Every problem in every file is collected and reported at once as `[file -> entry -> field] message`.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kg.errors import RulesCopyError, RulesError
from kg.ingest.normalize import fold_name, has_cjk
from kg.records import ENTITY_TYPES, RELATION_TYPES

EntityType = Literal["Company", "Organization", "Person", "Product", "Hardware"]
TYPE_CODES = {"Company": "C", "Organization": "O", "Person": "P", "Product": "R", "Hardware": "H"}


class GazetteerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._+-]*$")
    name: str = Field(min_length=1)
    zh: str | None = None
    aliases: list[str] = []
    type: EntityType | None = None
    wikidata: str | None = Field(default=None, pattern=r"^Q[1-9][0-9]*$")
    developer: str | None = None
    variant_of: str | None = None
    works_for: str | None = None
    role: str | None = None
    case_sensitive: bool | None = None
    media: bool = False  # a news outlet: not an entity where it is only cited as the source


class GazetteerFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: EntityType
    entities: list[dict]


class NamePattern(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    type: EntityType
    regex: str
    confidence: float = Field(gt=0, le=1)
    exclude: list[str] = []
    require: list[str] = []  # every one must match the name
    known_prefix_when_glued: bool = False  # Qwen3 yes (Qwen is known), Giuseppe5 no
    known_base: list[EntityType] = []  # the regex's group "base" must name a known entity of these types (Claude Opus)
    # Chinese names, whose edges no space marks, checked on jieba's words: "person" keeps the person name (jieba's
    # `nr`, with a surname) that ends at the name's end, "person-after" the one that starts at its start; "name"
    # starts the name where the run of name words before its end begins (揭示之江实验室 -> 之江实验室).
    # "company" takes the Chinese run before a slot that only a company fills (X 完成…融资), after the last word
    # that says what kind of company it is (具身智能公司|星河智能). See kg.extract.mentions.zh_name_edges.
    zh_words: Literal["", "person", "person-after", "name", "company"] = ""
    description: str = ""


class PatternsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stopwords: list[str] = []
    patterns: list[dict]


class NamesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_names: list[str] = []
    surnames_pinyin: list[str] = []
    not_names: list[str] = []


@dataclass(frozen=True)
class NameLists:
    """rules/names.yml: the word lists of the proper-name proposer of English sentences (kg/extract/propernames.py)."""

    given_names: frozenset[str] = frozenset()  # as written: Denise, Jensen
    surnames_pinyin: frozenset[str] = frozenset()  # as written: Wang, Cui
    not_names: frozenset[str] = frozenset()  # folded: places, nationalities, days, headline words


class RelationRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    relation: Literal[RELATION_TYPES]  # type: ignore[valid-type]
    pattern: str
    confidence: float = Field(gt=0, le=1)
    object_list: bool = False
    subject_list: bool = False
    description: str = ""
    # "headline": the pattern has no {S}; the subject is the first entity of the item's headline of one of
    # `subject_types`, for a body sentence that names no entity of those types before the match
    subject_from: Literal["sentence", "headline"] = "sentence"
    subject_types: list[Literal[ENTITY_TYPES]] = []  # type: ignore[valid-type]
    # uses: the subject may use a product the gazetteer says it makes (OpenAI 工程师使用 Codex); otherwise a maker
    # naming its own product is not using it
    own_products: bool = False


FACTUALITY_STATUSES = ("denied", "reported", "planned")  # checked in this order: a denial wins over a rumour


class Factuality(BaseModel):
    """Cue regexes that mark a matched relation as not a plain fact (see relations.yml)."""

    model_config = ConfigDict(extra="forbid")

    window: int = Field(default=16, ge=0, le=80)
    denied: list[str] = []
    reported: list[str] = []
    planned: list[str] = []


class RelationsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    vocabulary: dict[str, list[str]] = {}
    factuality: Factuality = Factuality()
    rules: list[dict]


@dataclass
class GazetteerEntity:
    id: str
    name: str
    type: str
    zh: str | None
    aliases: list[str]
    wikidata: str | None
    developer: str | None
    variant_of: str | None
    works_for: str | None
    role: str | None
    case_sensitive: bool | None
    source: str
    media: bool = False
    short_names: tuple[str, ...] = ()  # the name without its company word (Sakana of Sakana AI), matched as written

    def surface_forms(self) -> list[str]:
        forms = [self.name] + ([self.zh] if self.zh else []) + self.aliases + list(self.short_names)
        return list(dict.fromkeys(f for f in forms if f.strip()))


@dataclass
class CompiledPattern:
    id: str
    type: str
    regex: re.Pattern
    confidence: float
    exclude: list[re.Pattern]
    require: list[re.Pattern] = field(default_factory=list)
    known_prefix_when_glued: bool = False
    known_base: frozenset[str] = frozenset()
    zh_words: str = ""


@dataclass
class CompiledRelationRule:
    id: str
    relation: str
    regex: re.Pattern
    confidence: float
    object_list: bool
    subject_list: bool
    subject_types: str  # type codes allowed, e.g. "CO"
    object_types: str
    subject_from: str = "sentence"
    own_products: bool = False


@dataclass
class Rules:
    directory: Path
    entities: dict[str, GazetteerEntity]
    alias_index: dict[str, str]  # folded surface form -> entity id
    patterns: list[CompiledPattern]
    stopwords: frozenset[str]  # folded
    relation_rules: list[CompiledRelationRule]  # the rules whose subject is named in the sentence
    files: list[Path] = field(default_factory=list)
    # status -> one regex of its cues, searched in a matched relation's span (and `factuality_window` characters
    # before it) of the masked sentence
    factuality: dict[str, re.Pattern] = field(default_factory=dict)
    factuality_window: int = 16
    names: NameLists = field(default_factory=NameLists)
    headline_rules: list[CompiledRelationRule] = field(default_factory=list)  # subject_from: headline

    def ids_of_types(self, *types: str) -> frozenset[str]:
        cache = self.__dict__.setdefault("_ids_of_types", {})
        if types not in cache:
            cache[types] = frozenset(e.id for e in self.entities.values() if e.type in types)
        return cache[types]


def default_rules_dir() -> Path:
    """The rules a build uses without --rules: the folder in KG_RULES if set, else the ones shipped with kg."""
    env = os.environ.get("KG_RULES")
    if env:
        return Path(env)
    return shipped_rules_dir()


def shipped_rules_dir() -> Path:
    """The default rules: inside the package (kg/_rules) when kg is installed from a wheel, or the source tree's
    rules/ when kg runs from a checkout (or an editable install of one)."""
    package = Path(__file__).resolve().parent.parent
    if (package / "_rules").is_dir():
        return package / "_rules"
    source = package.parent / "rules"
    if source.is_dir() and (package.parent / "pyproject.toml").is_file():
        return source
    return package / "_rules"  # not there: load_rules says so


def copy_default_rules(target: Path, *, force: bool = False) -> list[Path]:
    """Copy the shipped rule files into `target` (made if needed), keeping their layout; return the files
    written. Refuses, writing nothing, when a file is already there, unless `force`."""
    source = shipped_rules_dir()
    names = sorted(p.relative_to(source) for p in source.rglob("*.y*ml") if p.is_file())
    if not names:
        raise RulesError([f"[{source}] the rules shipped with kg are missing: reinstall kg"])
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise RulesCopyError(f"{target} is a file, not a folder. Fix: name a new or existing folder")
    there = [name for name in names if (target / name).exists()]
    if there and not force:
        shown = ", ".join(map(str, there[:4])) + (f" and {len(there) - 4} more" if len(there) > 4 else "")
        raise RulesCopyError(f"{target}: {len(there)} of the rule files are already there ({shown}); nothing copied."
                             " Fix: pick a new folder, or add --force to overwrite them")
    written = []
    try:
        for name in names:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target / name)
            written.append(target / name)
    except OSError as exc:
        raise RulesCopyError(f"cannot write {exc.filename or target} ({exc.strerror or exc})."
                             " Fix: pick a folder you can write to") from None
    return written


def _loc(*parts) -> str:
    return " -> ".join(str(p) for p in parts)


def _pydantic_problems(where: str, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(entry)"
        out.append(f"[{where} -> {loc}] {err['msg']}")
    return out


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the gazetteer 10x faster


def _read_yaml(path: Path, rel: str, problems: list[str]):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problems.append(f"[{rel} -> {where}] not valid YAML: {getattr(exc, 'problem', None) or exc}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"[{rel}] cannot be read: {exc}")
    return None


def _validated(rel: str, list_name: str, raws: list, model, problems: list[str]):
    """Each entry of a list validated on its own, so one bad entry does not hide the others' problems."""
    for n, raw in enumerate(raws):
        label = f"{list_name}[{n}]" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
        try:
            yield label, model.model_validate(raw)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(_loc(rel, label), exc))


def _load_gazetteer(directory: Path, problems: list[str]) -> tuple[dict[str, GazetteerEntity], list[Path]]:
    entities: dict[str, GazetteerEntity] = {}
    files = sorted((directory / "gazetteer").glob("*.y*ml"))
    if not files:
        problems.append(f"[{directory / 'gazetteer'}] no gazetteer files (*.yml) found")
    for path in files:
        rel = f"{directory.name}/gazetteer/{path.name}"
        data = _read_yaml(path, rel, problems)
        if data is None:
            continue
        try:
            parsed = GazetteerFile.model_validate(data)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(rel, exc))
            continue
        for label, entry in _validated(rel, "entities", parsed.entities, GazetteerEntry, problems):
            if entry.id in entities:
                problems.append(f"[{_loc(rel, label, 'id')}] duplicate id '{entry.id}', also in {entities[entry.id].source}")
                continue
            entities[entry.id] = GazetteerEntity(
                id=entry.id,
                name=entry.name.strip(),
                type=entry.type or parsed.type,
                zh=entry.zh,
                aliases=entry.aliases,
                wikidata=entry.wikidata,
                developer=entry.developer,
                variant_of=entry.variant_of,
                works_for=entry.works_for,
                role=entry.role,
                case_sensitive=entry.case_sensitive,
                source=f"{rel} -> {label}",
                media=entry.media,
            )
    return entities, files


def _check_references(entities: dict[str, GazetteerEntity], problems: list[str]) -> None:
    for e in entities.values():
        for field_name, allowed in (
            ("developer", {"Company", "Organization"}),
            ("works_for", {"Company", "Organization"}),
            ("variant_of", {"Product", "Hardware"}),
        ):
            target = getattr(e, field_name)
            if target is None:
                continue
            if target not in entities:
                problems.append(f"[{e.source} -> {field_name}] unknown entity id '{target}'")
            elif entities[target].type not in allowed:
                problems.append(
                    f"[{e.source} -> {field_name}] '{target}' is a {entities[target].type}; expected {' or '.join(sorted(allowed))}"
                )


# A company named "<Word> AI" (or Labs, Robotics) is also written by its first word alone when that word is rare in
# English (Sakana for Sakana AI, Luma for Luma AI; not Scale, Figure, Together, Liquid).
_SHORTENED_SUFFIXES = (" AI", " Labs", " Robotics")
_SHORT_NAME_MAX_ZIPF = 2.0


def _add_short_company_names(entities: dict[str, GazetteerEntity], index: dict[str, str], stopwords: frozenset[str]) -> None:
    from kg.extract.spans import zipf

    for e in entities.values():
        if e.type != "Company":
            continue
        for suffix in _SHORTENED_SUFFIXES:
            stem = e.name[: -len(suffix)] if e.name.endswith(suffix) else ""
            if len(stem) < 4 or not re.fullmatch(r"[A-Z][a-z]+", stem):
                continue
            key = fold_name(stem)
            if key in index or key in stopwords or zipf(stem.lower()) >= _SHORT_NAME_MAX_ZIPF:
                continue
            e.short_names = (*e.short_names, stem)
            index[key] = e.id


def _alias_index(entities: dict[str, GazetteerEntity], problems: list[str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for e in entities.values():
        for form in e.surface_forms():
            key = fold_name(form)
            if not key:
                problems.append(f"[{e.source} -> aliases] empty name or alias")
                continue
            owner = index.get(key)
            if owner is not None and owner != e.id:
                problems.append(
                    f"[{e.source} -> aliases] '{form}' is also a name of '{owner}' ({entities[owner].source}): keep it on one entity"
                )
                continue
            index[key] = e.id
    return index


def _load_patterns(directory: Path, problems: list[str]) -> tuple[list[CompiledPattern], frozenset[str], list[Path]]:
    path = directory / "patterns.yml"
    rel = f"{directory.name}/patterns.yml"
    if not path.exists():
        return [], frozenset(), []
    data = _read_yaml(path, rel, problems)
    if data is None:
        return [], frozenset(), [path]
    try:
        parsed = PatternsFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(rel, exc))
        return [], frozenset(), [path]
    compiled = []
    for label, rule in _validated(rel, "patterns", parsed.patterns, NamePattern, problems):
        try:
            regex = re.compile(rule.regex)
            excludes = [re.compile(x) for x in rule.exclude]
            requires = [re.compile(x) for x in rule.require]
        except re.error as exc:
            problems.append(f"[{_loc(rel, label, 'regex')}] invalid regular expression: {exc}")
            continue
        if "name" not in regex.groupindex:
            problems.append(f"[{_loc(rel, label, 'regex')}] needs a named group (?P<name>...) for the entity name")
            continue
        if rule.known_base and "base" not in regex.groupindex:
            problems.append(f"[{_loc(rel, label, 'regex')}] known_base needs a named group (?P<base>...) for the known name")
            continue
        compiled.append(CompiledPattern(rule.id, rule.type, regex, rule.confidence, excludes, requires,
                                        rule.known_prefix_when_glued, frozenset(rule.known_base), rule.zh_words))
    return compiled, frozenset(fold_name(w) for w in parsed.stopwords), [path]


_PLACEHOLDER = re.compile(r"\{(S|O)(?::([A-Za-z|,]+))?\}|\{(?:gap|near)(?::(\d+))?\}|\{(\w+)\}")
MENTION_OPEN, MENTION_CLOSE = "\u27e8", "\u27e9"  # ⟨ ⟩ mark entity slots in masked sentences


def compile_relation_pattern(pattern: str, vocabulary: dict[str, list[str]],
                             subject_types: list[str] | None = None) -> tuple[str, str, str]:
    """Relation pattern -> (regex source, subject type codes, object type codes). With `subject_types` (a rule
    whose subject is the headline's) the pattern names only {O:...}."""
    codes = {"S": "", "O": ""}

    def replace(m: re.Match) -> str:
        if m.group(1):
            role, types = m.group(1), m.group(2)
            names = [t for t in re.split(r"[|,]", types)] if types else list(ENTITY_TYPES)
            unknown = [t for t in names if t not in TYPE_CODES]
            if unknown:
                raise ValueError(f"unknown entity type(s) {unknown} in {{{role}:...}}")
            codes[role] = "".join(TYPE_CODES[t] for t in names)
            return f"{MENTION_OPEN}[{codes[role]}](?P<{role}>\\d+){MENTION_CLOSE}"
        if m.group(0).startswith("{gap"):
            n = int(m.group(3) or 12)
            return f"[^{MENTION_OPEN}{MENTION_CLOSE}。！？!?；;\\n]{{0,{n}}}?"
        if m.group(0).startswith("{near"):  # like gap, but within one clause: no comma either
            n = int(m.group(3) or 8)
            return f"[^{MENTION_OPEN}{MENTION_CLOSE}。！？!?；;，,\\n]{{0,{n}}}?"
        word = m.group(4)
        words = vocabulary.get("roles" if word == "role" else word)
        if words:
            alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            return f"(?P<role>{alternation})" if word == "role" else f"(?:{alternation})"
        raise ValueError(f"unknown placeholder {{{word}}}: define it under 'vocabulary:'")

    source = _PLACEHOLDER.sub(replace, pattern)
    if subject_types is not None:
        if codes["S"]:
            raise ValueError("a rule with subject_from: headline names no {S:...}: its subject is the headline's")
        if not subject_types:
            raise ValueError("a rule with subject_from: headline needs subject_types")
        codes["S"] = "".join(TYPE_CODES[t] for t in subject_types)
    if not codes["S"] or not codes["O"]:
        raise ValueError("a relation pattern needs both {S:...} and {O:...}")
    return source, codes["S"], codes["O"]


def _compile_factuality(rel: str, factuality: Factuality, problems: list[str]) -> dict[str, re.Pattern]:
    compiled = {}
    for status in FACTUALITY_STATUSES:
        cues = getattr(factuality, status)
        for n, cue in enumerate(cues):
            try:
                re.compile(cue)
            except re.error as exc:
                problems.append(f"[{_loc(rel, 'factuality', status, n)}] {exc}")
                cues = []
        if cues:
            compiled[status] = re.compile("|".join(f"(?:{c})" for c in sorted(cues, key=len, reverse=True)), re.I)
    return compiled


def _load_relations(directory: Path, problems: list[str]):
    """(compiled rules, factuality cues, factuality window, files read)."""
    path = directory / "relations.yml"
    rel = f"{directory.name}/relations.yml"
    if not path.exists():
        return [], {}, 0, []
    data = _read_yaml(path, rel, problems)
    if data is None:
        return [], {}, 0, [path]
    try:
        parsed = RelationsFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(rel, exc))
        return [], {}, 0, [path]
    factuality = _compile_factuality(rel, parsed.factuality, problems)
    compiled, seen = [], set()
    for label, rule in _validated(rel, "rules", parsed.rules, RelationRule, problems):
        headline = rule.subject_from == "headline"
        if rule.id in seen:
            problems.append(f"[{_loc(rel, label, 'id')}] duplicate rule id '{rule.id}'")
            continue
        seen.add(rule.id)
        try:
            source, s_codes, o_codes = compile_relation_pattern(rule.pattern, parsed.vocabulary,
                                                                rule.subject_types if headline else None)
            regex = re.compile(source, re.I)
        except (ValueError, re.error) as exc:
            problems.append(f"[{_loc(rel, label, 'pattern')}] {exc}")
            continue
        if headline and rule.subject_list:
            problems.append(f"[{_loc(rel, label, 'subject_list')}] a rule with subject_from: headline has one subject")
            continue
        compiled.append(
            CompiledRelationRule(rule.id, rule.relation, regex, rule.confidence, rule.object_list, rule.subject_list, s_codes, o_codes,
                                 rule.subject_from, rule.own_products)
        )
    return compiled, factuality, parsed.factuality.window, [path]


def load_rules(directory: Path | None = None) -> Rules:
    """Load and validate every rule file; raise RulesError listing all problems."""
    directory = Path(directory) if directory else default_rules_dir()
    if not directory.is_dir():
        raise RulesError([f"[{directory}] rules folder not found: pass --rules DIR or set KG_RULES"
                          + (" (or reinstall kg: its own rules are missing)" if directory == shipped_rules_dir() else "")])
    problems: list[str] = []
    entities, gazetteer_files = _load_gazetteer(directory, problems)
    _check_references(entities, problems)
    index = _alias_index(entities, problems)
    patterns, stopwords, pattern_files = _load_patterns(directory, problems)
    if not problems:
        _add_short_company_names(entities, index, stopwords)
    relation_rules, factuality, window, relation_files = _load_relations(directory, problems)
    names, names_files = _load_names(directory, problems)
    if problems:
        raise RulesError(problems)
    return Rules(directory, entities, index, patterns, stopwords,
                 [r for r in relation_rules if r.subject_from == "sentence"],
                 gazetteer_files + pattern_files + relation_files + names_files, factuality, window, names,
                 [r for r in relation_rules if r.subject_from == "headline"])


def _load_names(directory: Path, problems: list[str]) -> tuple[NameLists, list[Path]]:
    path = directory / "names.yml"
    rel = f"{directory.name}/names.yml"
    if not path.exists():
        return NameLists(), []
    data = _read_yaml(path, rel, problems)
    if data is None:
        return NameLists(), [path]
    try:
        parsed = NamesFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(rel, exc))
        return NameLists(), [path]
    for key in ("given_names", "surnames_pinyin"):
        for n, word in enumerate(getattr(parsed, key)):
            if not re.fullmatch(r"[^\W\d_][^\W\d_'’-]*", word) or not word[0].isupper() or has_cjk(word):
                problems.append(f"[{_loc(rel, key, n)}] {word!r} is not one capitalised Latin word")
    return NameLists(frozenset(parsed.given_names), frozenset(parsed.surnames_pinyin),
                     frozenset(fold_name(w) for w in parsed.not_names)), [path]


def is_case_sensitive(entity: GazetteerEntity, form: str) -> bool:
    """Short Latin names (xAI, AMD, o1) only match as written; others ignore case."""
    if form in entity.short_names:
        return True
    if entity.case_sensitive is not None:
        return entity.case_sensitive
    return not has_cjk(form) and len(fold_name(form)) <= 4
