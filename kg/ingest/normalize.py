"""Text, name and URL normalisation shared by every stage."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Invisible characters that scrapers leave inside names.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Characters ignored when comparing names: "GPT - 5.2" = "GPT-5.2" = "gpt5.2", "山姆·奥特曼" = "山姆奥特曼".
NAME_SEPARATORS = frozenset(" \t\n\r\f\v-_·•‐‑‒–—\u3000")

_KEPT_RUN = re.compile("[^" + "".join(sorted(map(re.escape, NAME_SEPARATORS))) + "]+")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_OR_DIGIT = re.compile(r"[A-Za-z0-9]")


# Full-width Latin letters, digits and the hyphen fold to ASCII (Ｇｏｏｇｌｅ, ＧＰＴ－５); Chinese punctuation stays.
_FULLWIDTH = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
_FULLWIDTH.update({0xFF0D: ord("-"), 0xFF0E: ord("."), 0x00A0: ord(" "), 0x202F: ord(" ")})
# Control characters (not tab/newline) carry nothing readable and are not allowed in XML (GraphML).
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF], None)
_CLEAN = {**_FULLWIDTH, **_INVISIBLE, **_CONTROLS}


def clean_text(text: str) -> str:
    """Fold full-width Latin, drop invisible characters, unify line ends; keeps Chinese punctuation."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n").translate(_CLEAN))
    return text


def _load_t2s() -> dict[int, int]:
    """Traditional -> Simplified, one character for one (OpenCC's TSCharacters), so offsets never move."""
    try:
        import opencc
    except ImportError:  # pragma: no cover - a declared dependency
        return {}
    table = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[ord(parts[0])] = ord(parts[1])
    return table


_T2S = _load_t2s()
# translate() builds a new string through a dict lookup per character; most text has nothing to convert, and a
# set test says so 3x faster
_TRADITIONAL = frozenset(map(chr, _T2S))


def to_simplified(text: str) -> str:
    """輝達發布 -> 辉达发布; same length as the input."""
    return text if _TRADITIONAL.isdisjoint(text) else text.translate(_T2S)


@lru_cache(maxsize=1 << 18)  # the same names are folded again and again (every mention, every candidate word)
def fold_name(name: str) -> str:
    """Comparison key of a name: case, separators and Traditional/Simplified ignored; dots kept."""
    for _ in range(3):  # dropping a separator can let NFKC compose what it left (T + ¨): settle
        folded = to_simplified(unicodedata.normalize("NFKC", name.translate(_INVISIBLE)).lower())
        folded = "".join(c for c in folded if c not in NAME_SEPARATORS)
        if folded == name:
            break
        name = folded
    return folded


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """fold_name() of a whole text plus, for each folded char, its offset in `text`."""
    lowered = to_simplified(text.lower())
    if len(lowered) != len(text):  # rare: a char whose lower case is longer (İ)
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    keep: list[int] = []
    parts = []
    for run in _KEPT_RUN.finditer(lowered):  # the stretches between separators, not char by char
        keep.extend(range(*run.span()))
        parts.append(run.group())
    return "".join(parts), keep


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def cjk_ratio(text: str) -> float:
    letters = sum(map(str.isalpha, text))
    return len(_CJK.findall(text)) / letters if letters else 0.0


def is_latin_edge(char: str) -> bool:
    return bool(char) and _LATIN_OR_DIGIT.match(char) is not None


def slugify(name: str) -> str:
    """Readable, IRI-safe id part: ASCII names -> 'gpt-5.2'; others keep their letters, percent-encoded later."""
    name = unicodedata.normalize("NFKC", name.translate(_INVISIBLE)).strip().lower()
    name = re.sub(r"[\s/\\_·•]+", "-", name)
    name = re.sub(r"[^\w.+-]", "", name)
    name = re.sub(r"-{2,}", "-", name).strip("-.")
    return name or "x" + hashlib.sha1(name.encode()).hexdigest()[:8]


_TRACKING = re.compile(r"^(utm_\w+|spm|ref|ref_src|from|share_\w+|s|t|si|scene|srcid)$")


def normalize_url(url: str) -> str:
    """Key for 'same story': https, lower-case host, no fragment, no tracking parameters."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if host in {"twitter.com", "www.twitter.com", "mobile.twitter.com", "www.x.com", "mobile.x.com"}:
        host = "x.com"
    if host.startswith("www."):
        host = host[4:]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    if host == "mp.weixin.qq.com":  # only these identify a WeChat article; chksm etc. vary per share
        query = [(k, v) for k, v in query if k in {"__biz", "mid", "idx", "sn"}]
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def is_web_url(url: str | None) -> bool:
    return bool(url) and re.match(r"^https?://[^\s/]+", url, re.I) is not None


@lru_cache(maxsize=1 << 16)  # the export asks for the same names (entities, digests) many times
def iri_safe(text: str) -> str:
    """One IRI path segment for any text: Unicode letters stay, everything else unsafe is percent-encoded."""
    text = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", text)  # a lone % would be an invalid escape
    return "".join(c if c in _SEGMENT_SAFE or (ord(c) > 0x7F and c.isalnum()) else quote(c, safe="") for c in text)


_SEGMENT_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%-._~!$&'()*+,;=:@")
_QUERY_SAFE = _SEGMENT_SAFE | frozenset("/?")


# A link that is already a valid IRI as written: lower-case scheme and host, no port or user, only characters
# that need no escape (the export writes one per story: most take this way, ~20x cheaper than the parse below).
_IRI_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})"
_PLAIN_WEB_IRI = re.compile(rf"https?://[a-z0-9.\-]+(?:/{_IRI_CHAR}*)?(?:\?(?:{_IRI_CHAR}|\?)+)?(?:#(?:{_IRI_CHAR}|\?)+)?")


def web_iri(url: str) -> str:
    """A web link as a valid IRI (RFC 3987): each part percent-encoded where it must be, or "" if hopeless."""
    url = url.strip()
    if _PLAIN_WEB_IRI.fullmatch(url):
        return url
    return _parsed_web_iri(url)


def _parsed_web_iri(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not re.fullmatch(r"[A-Za-z0-9.\-]+|[^\x00-\x7f]+(?:\.[^\x00-\x7f]+)*", host or "-"):
        return ""

    def encode(part: str, safe: frozenset) -> str:
        part = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", part)
        return "".join(c if c in safe or (ord(c) > 0x7F and c.isalnum()) else quote(c, safe="") for c in part)

    netloc = host.lower() + (f":{port}" if port else "")
    out = f"{parts.scheme.lower()}://{netloc}{encode(parts.path, _QUERY_SAFE - {'?'})}"
    if parts.query:
        out += "?" + encode(parts.query, _QUERY_SAFE)
    if parts.fragment:
        out += "#" + encode(parts.fragment, _QUERY_SAFE)
    return out


def short_hash(*parts: str, length: int = 16) -> str:
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:length]
