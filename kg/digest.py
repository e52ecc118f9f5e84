"""Read one digest file (Markdown) into dated NewsItems.

Known layouts get their own item boundaries (A: `###` + 阅读原文, B: `##` + 来源 block, C: numbered x.com
links); any other digest goes through a generic Markdown reader (headings and top-level list entries with
their links and following text).
"""
from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from .errors import InputFileError
from .normalize import clean_text, is_web_url, normalize_url, short_hash
from .records import NewsItem

DIGEST_SUFFIXES = (".md", ".markdown", ".txt")
DEFAULT_MAX_BYTES = 32 * 1024 * 1024

_LINK = re.compile(r"(!?)\[((?:[^\[\]]|\[[^\]]*\])*)\]\((<[^>]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)")
_BARE_URL = re.compile(r"(?<![(\[<\"'=])\bhttps?://[^\s<>()\[\]\"'，。）]+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST = re.compile(r"^(\s*)(?:[-*+]|\d{1,4}[.)])\s+(.*)$")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,500}>")
_IMAGE_EXT = re.compile(r"\.(png|jpe?g|gif|webp|avif|svg|mp4|mov)(\?|$)", re.I)

_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"),
    re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"),
)
_FILENAME_DATE = (
    re.compile(r"(?<!\d)(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{2})-(\d{2})-(\d{2})(?!\d)"),  # ainews: 24-12-26-...
)


@dataclass
class Digest:
    path: Path
    date: str
    title: str
    layout: str
    items: list[NewsItem]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Link:
    text: str
    url: str


# ---------------------------------------------------------------- reading


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, list[str]]:
    """Decode a file as UTF-8 (BOM allowed), falling back to GB18030 with a warning."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputFileError(
                path,
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit for one digest",
                f"split it into smaller digests or raise the limit with --max-file-mb {size // 1_000_000 + 1}",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})", "check the path and its permissions") from None
    if not data.strip():
        raise InputFileError(path, "file is empty", "remove it or give it digest content")
    if b"\x00" in data[:8192]:
        raise InputFileError(path, "file is binary, not a Markdown digest", "remove it from the input folder")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputFileError(
            path, "is not UTF-8 text", "re-save it as UTF-8 (e.g. iconv -f GBK -t UTF-8)", line=bad_line
        ) from None
    return text, [f"{path}: not UTF-8, read as GB18030. Fix: re-save it as UTF-8 to silence this"]


def split_front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    """Front matter dict, body, and the 1-based line number where the body starts."""
    if not text.startswith("---"):
        return {}, text, 1
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in {"---", "..."}:
            break
    else:
        raise InputFileError(
            path, "front matter opened on line 1 is never closed", "add a line '---' after the front matter", line=1
        )
    try:
        post = frontmatter.loads("\n".join(lines[: i + 1]) + "\n")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputFileError(path, f"front matter is not valid YAML ({problem})", "fix the YAML or remove the front matter", line=line) from None
    except ValueError as exc:  # a YAML date that is no calendar day (date: 2025-02-30): the loader's ValueError
        line = next((n + 1 for n, ln in enumerate(lines[1:i], 1) if _impossible_yaml_date(ln)), 1)
        raise InputFileError(
            path, f"front matter has an impossible date ({exc})",
            "write a real date as YYYY-MM-DD (e.g. date: 2025-02-28), or remove the front matter", line=line,
        ) from None
    meta = post.metadata if isinstance(post.metadata, dict) else {}
    return meta, "\n".join(lines[i + 1 :]), i + 2


# ---------------------------------------------------------------- dates


_YAML_DATE_VALUE = re.compile(r"^[^#:]+:\s*(\d{4})-(\d{1,2})-(\d{1,2})(?![\d-])")


def _impossible_yaml_date(line: str) -> bool:
    """A front-matter line `key: YYYY-MM-DD...` (unquoted, so YAML reads a date) that is no calendar day."""
    m = _YAML_DATE_VALUE.match(line)
    return bool(m) and _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3))) is None


def _valid_date(y: int, m: int, d: int) -> str | None:
    try:
        return dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def date_from_value(value) -> str | None:
    """A front-matter date value (date, datetime or string) as YYYY-MM-DD."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return date_in_text(value)
    return None


def date_in_text(text: str) -> str | None:
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            found = _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if found:
                return found
    return None


def date_in_filename(name: str) -> str | None:
    m = _FILENAME_DATE[0].search(name)
    if m:
        found = _valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if found:
            return found
    m = _FILENAME_DATE[1].match(name)
    if m:
        return _valid_date(2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def digest_date(path: Path, meta: dict, body: str, fallback: str | None) -> str:
    found = date_from_value(meta.get("date")) if "date" in meta else None
    if not found and isinstance(meta.get("title"), str):
        found = date_in_text(meta["title"])
    if not found:
        for line in body.split("\n")[:40]:
            if _HEADING.match(line) or line.startswith("title"):
                found = date_in_text(line)
                if found:
                    break
    found = found or date_in_filename(path.name) or fallback
    if not found:
        raise InputFileError(
            path,
            "has no date (none in front matter 'date:', in the title or first heading, or in the file name)",
            "add 'date: YYYY-MM-DD' front matter, or pass --date YYYY-MM-DD",
        )
    return found


# ---------------------------------------------------------------- Markdown helpers


def find_links(text: str) -> list[_Link]:
    """http(s) links of a Markdown fragment, images and media excluded, in order."""
    links: list[_Link] = []
    for m in _LINK.finditer(text):
        url = m.group(3).strip("<>")
        if m.group(1) or not is_web_url(url) or _IMAGE_EXT.search(url):
            continue
        links.append(_Link(plain_text(m.group(2)), url))
    for m in _BARE_URL.finditer(_LINK.sub(" ", text) if "](" in text else text):
        if not _IMAGE_EXT.search(m.group(0)):
            links.append(_Link("", m.group(0)))
    return links


def plain_text(markdown: str) -> str:
    """Markdown fragment -> readable text: links keep their text, images, tags and markup go."""
    # Each step only where its mark can be (most fragments have no link, tag or URL): same text, less work.
    text = _LINK.sub(_link_text, markdown) if "](" in markdown else markdown
    text = _HTML_TAG.sub(" ", text) if "<" in text else text
    text = html.unescape(text)
    text = _BARE_URL.sub(" ", text) if "://" in text else text
    text = _EMPHASIS.sub("", text)
    text = _QUOTE_MARK.sub("", text) if ">" in text else text
    text = _LIST_MARK.sub("", text)
    text = _HEADING_MARK.sub("", text) if "#" in text else text
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n", text).strip() if "\n\n" in text else text.strip()


def _link_text(m: re.Match) -> str:
    return "" if m.group(1) else m.group(2)


_EMPHASIS = re.compile(r"(\*\*|__|`+|~~)")
_QUOTE_MARK = re.compile(r"(?m)^\s{0,3}(>\s?)+")
_LIST_MARK = re.compile(r"(?m)^\s*(?:[-*+]|\d{1,4}[.)])\s+")
_HEADING_MARK = re.compile(r"(?m)^#{1,6}\s+")
_SPACES = re.compile(r"[ \t]+")
_BLANK_LINES = re.compile(r"\n{2,}")


def _strip_fences(lines: list[str]) -> list[str]:
    """Blank out fenced code blocks (not mined for items or entities), keeping line numbers."""
    out, fence = [], None
    for line in lines:
        stripped = line.lstrip()
        if fence is None and (stripped.startswith("```") or stripped.startswith("~~~")):
            fence = stripped[:3]
            out.append("")
        elif fence is not None:
            out.append("")
            if stripped.startswith(fence):
                fence = None
        else:
            out.append(line)
    return out


# ---------------------------------------------------------------- item assembly


@dataclass
class _Draft:
    title: str
    body: list[str]
    line: int
    links: list[_Link] = field(default_factory=list)
    author: str | None = None
    layout: str = ""

    def plain(self) -> tuple[str, str]:
        """Title and body as plain text, converted once (the item filter and the item both need them)."""
        if self._plain is None:
            self._plain = (plain_text(self.title), plain_text("\n".join(self.body)))
        return self._plain

    _plain: tuple[str, str] | None = field(default=None, repr=False)


def _make_item(draft: _Draft, path: Path, date: str, position: int) -> NewsItem | None:
    plain_title, plain_body = draft.plain()
    title = clean_text(plain_title).strip(" :：")
    text = clean_text(plain_body)
    links = draft.links or find_links(draft.title + "\n" + "\n".join(draft.body))
    urls = list(dict.fromkeys(link.url for link in links))
    if not title and not text:
        return None
    url = urls[0] if urls else None
    item_id = short_hash(normalize_url(url)) if url else short_hash(path.name, str(position), title)
    return NewsItem(
        id=item_id,
        title=title or text[:80],
        text=text,
        date=date,
        url=url,
        links=urls,
        sources=[path.name],
        position=position,
        layout=draft.layout,
        line=draft.line,
        author=clean_text(draft.author) if draft.author else None,
    )


def _parse_layout_a(lines: list[str], offset: int) -> list[_Draft]:
    """`### title`, a paragraph, `[>阅读原文](url)`."""
    drafts: list[_Draft] = []
    current: _Draft | None = None
    for n, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 3:
            current = _Draft(m.group(2), [], n + offset, layout="A")
            drafts.append(current)
        elif m:
            current = None  # a section heading ends the item
        elif current is not None:
            current.body.append(line)
    for d in drafts:
        body = "\n".join(d.body)
        read_more = [link for link in find_links(body) if "阅读原文" in link.text]
        d.links = read_more + [link for link in find_links(body) if link not in read_more]
        d.body = [re.sub(r"\[>?\s*阅读原文\]\([^)]*\)", "", b) for b in d.body]
    return drafts


_B_LABEL = re.compile(r"^\s*>?\s*\*\*(分类|来源)[:：]\*\*")


def _parse_layout_b(lines: list[str], offset: int) -> list[_Draft]:
    """`## title` + `> **分类：**` / `> **来源：**` links + 核心洞察 + 内容简介 bullets; `## 其他相关资讯` list."""
    drafts: list[_Draft] = []
    section = None
    for n, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 2:
            section = m.group(2).strip()
            if "其他相关资讯" in section or "相关资讯" == section:
                section = "related"
                continue
            drafts.append(_Draft(m.group(2), [], n + offset, layout="B"))
            continue
        if m:
            continue
        if section == "related":
            lm = _LIST.match(line)
            if lm:
                links = find_links(lm.group(2))
                title = links[0].text if links else lm.group(2)
                drafts.append(_Draft(title, [], n + offset, links=links, layout="B-related"))
            continue
        if not drafts or line.strip() == "---":
            continue
        d = drafts[-1]
        if _B_LABEL.match(line):
            if "来源" in line.split("**")[1]:
                d.links.extend(find_links(line))
            continue
        d.body.append(re.sub(r"\*\*(核心洞察|内容简介)[:：]\*\*", "", line))
    return drafts


_C_ENTRY = re.compile(r"^\s{0,3}\d{1,4}\.\s+\[(.+)\]\((https?://[^)\s]+)\)\s*$")


def _split_author(title: str) -> tuple[str, str | None]:
    if " - " in title:
        head, tail = title.rsplit(" - ", 1)
    elif "-" in title:
        head, tail = title.rsplit("-", 1)
        if re.fullmatch(r"[\dA-Z.]+|\d.*", tail.strip()) or len(tail) > 40:
            return title, None
    else:
        return title, None
    tail = tail.strip()
    if not tail or len(tail) > 40 or not head.strip():
        return title, None
    return head.strip(), tail


def _parse_layout_c(lines: list[str], offset: int) -> list[_Draft]:
    """Numbered `[title - author](x.com url)` entries with an indented paragraph."""
    drafts: list[_Draft] = []
    for n, line in enumerate(lines):
        m = _C_ENTRY.match(line)
        if m:
            title, author = _split_author(m.group(1))
            drafts.append(_Draft(title, [], n + offset, links=[_Link(title, m.group(2))], author=author, layout="C"))
        elif drafts and not _HEADING.match(line):
            drafts[-1].body.append(line)
    return drafts


def _parse_generic(lines: list[str], offset: int) -> list[_Draft]:
    """Headings and top-level list entries, each with the text and links that follow it."""
    drafts: list[_Draft] = []
    current: _Draft | None = None
    list_indent: int | None = None
    previous_blank = True
    under_heading = False
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            previous_blank = True
            continue
        if stripped.startswith(">") or stripped.startswith("|") or re.fullmatch(r"[-*_=]{3,}", stripped):
            previous_blank = False
            continue  # quotes (digest intros), tables and rules are not items
        heading = _HEADING.match(line)
        entry = _LIST.match(line)
        if heading:
            current = _Draft(heading.group(2), [], n + offset, layout="generic")
            drafts.append(current)
            under_heading = True
            list_indent = None
        elif entry and (list_indent is None or len(entry.group(1)) <= list_indent):
            list_indent = len(entry.group(1)) if list_indent is None else list_indent
            title, rest = _entry_title(entry.group(2))
            current = _Draft(title, [rest] if rest else [], n + offset, layout="generic")
            drafts.append(current)
            under_heading = False
        elif current is not None and (not previous_blank or line[:1] in " \t" or entry or under_heading):
            current.body.append(line)  # continuation, nested content, or a heading's paragraphs
        else:
            title, rest = _entry_title(stripped)
            current = _Draft(title, [rest] if rest else [], n + offset, layout="generic")
            drafts.append(current)
            list_indent = None
            under_heading = False
        previous_blank = False
    return [d for d in drafts if _worth_an_item(d)]


def _entry_title(text: str) -> tuple[str, str]:
    """Title of a list entry: its leading **bold** part, else its first sentence."""
    m = re.match(r"^\s*\*\*(.+?)\*\*\s*(?:[:：|｜—]+\s*(.*))?$", text)
    if m:  # a bold lead-in is a title only when it stands alone or before a colon
        return m.group(1), m.group(2) or ""
    m = re.match(r"^\s*\[([^\]]+)\]\(([^)]+)\)[\s:：-]*(.*)$", text)
    if m and is_web_url(m.group(2)):
        return text, ""
    plain = plain_text(text)
    m = re.match(r"^(.{8,80}?[。！？!?；;：:])(.*)$", plain)
    if m:
        return m.group(1).rstrip("：:"), text
    return plain[:80], text if len(plain) > 80 else ""


# Sign-offs, sponsor and referral blurbs that digests append: not news.
_BOILERPLATE = re.compile(
    r"感谢你?(花时间)?(阅读|读完)|加入.{0,6}(交流群|社群)|扫码|关注公众号|邀请码|推广链接|使用此链接|赞助|广告|"
    r"返利|优惠码|sponsored|subscribe to|unsubscribe|newsletter signup",
    re.I,
)


def _worth_an_item(draft: _Draft) -> bool:
    title, text = draft.plain()
    if _BOILERPLATE.search(title) or _BOILERPLATE.search(text[:60]):
        return False
    if not draft.links:
        draft.links = find_links(draft.title + "\n" + "\n".join(draft.body))
    has_link = bool(draft.links)
    return _weight(text) >= 20 or (has_link and _weight(title + text) >= 12)


def _weight(text: str) -> int:
    """Length with Chinese characters counted twice: 谷歌发布Gemini 3 says as much as 20 Latin letters."""
    return len(text) + len(_CJK_CHAR.findall(text))


_CJK_CHAR = re.compile("[\u4e00-\u9fff]")


def detect_layout(body: str) -> str:
    if re.search(r"^\s*>?\s*\*\*来源[:：]\*\*", body, re.M):
        return "B"
    whole_line_entries = len(re.findall(r"^\s{0,3}\d{1,4}\.\s+\[.+\]\(https?://(?:x|twitter)\.com/[^)\s]*\)\s*$", body, re.M))
    numbered = len(re.findall(r"^\s{0,3}\d{1,4}\.\s", body, re.M))
    if whole_line_entries and whole_line_entries * 2 >= numbered:
        return "C"
    if body.count("阅读原文") >= 1 and re.search(r"^###\s", body, re.M):
        return "A"
    return "generic"


_PARSERS = {"A": _parse_layout_a, "B": _parse_layout_b, "C": _parse_layout_c, "generic": _parse_generic}


def parse_digest(path: Path, *, fallback_date: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Digest:
    """Parse one digest file. Raises InputFileError when the file cannot be used."""
    path = Path(path)
    text, warnings = read_text(path, max_bytes)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, body_line = split_front_matter(path, text)
    date = digest_date(path, meta, body, fallback_date)
    layout = detect_layout(body)
    lines = _strip_fences(body.split("\n"))
    drafts = _PARSERS[layout](lines, body_line)
    if not drafts and layout != "generic":
        layout, drafts = "generic", _parse_generic(lines, body_line)
    items: list[NewsItem] = []
    seen: set[str] = set()
    for draft in drafts:
        item = _make_item(draft, path, date, len(items) + 1)
        if item is None or item.id in seen:
            continue  # the same story twice in one digest is one item
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputFileError(
            path,
            "contains no news items (no headings or list entries with text or links)",
            "check it is a digest; items are headings or list entries followed by their text and link",
        )
    title = meta.get("title") if isinstance(meta.get("title"), str) else ""
    return Digest(path, date, title or path.stem, layout, items, warnings)
