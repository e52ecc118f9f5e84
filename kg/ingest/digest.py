"""Read one digest file (Markdown) into dated NewsItems.

Items are found from the structure every digest shares (the structural reader: headings, paragraphs, list
entries; see `_StructureReader`). Three layouts keep a dedicated reader that adds what the structure cannot
(A: `###` + 阅读原文, B: `##` + 来源 block and 其他相关资讯, C: numbered x.com links with their author), but a
dedicated reader proves itself on each file: when the structure finds clearly more linked stories, the structure
is used and the file gets a warning. Lines that recur across most files of a source (a folder) are boilerplate
(headers, sign-offs, blurbs): they are dropped before reading, so they are neither items nor sources.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from kg.errors import InputFileError
from kg.ingest.normalize import clean_text, is_web_url, normalize_url, short_hash
from kg.records import NewsItem

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
    expected_layout: str = ""  # the reader the file looked written for (the layout used when it proved itself)
    notes: list = field(default_factory=list)  # Note: how the file was read (dropped blocks, skipped headings)


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


_GLUED_FENCE = re.compile(r"^---(?=#{1,6}\s)")


def split_front_matter(path: Path, text: str) -> tuple[dict, str, int]:
    """Front matter dict, body, and the 1-based line number where the body starts."""
    if not text.startswith("---"):
        return {}, text, 1
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, 1
    glued = ""
    for i in range(1, len(lines)):
        if lines[i].strip() in {"---", "..."}:
            break
        if _GLUED_FENCE.match(lines[i]):  # `---### Heading`: the closing fence with the body's first line glued on
            glued, lines[i] = lines[i][3:], "---"
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
    if glued:
        return meta, "\n".join([glued, *lines[i + 1 :]]), i + 1
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


_URL_IN_LINE = re.compile(r"(?:https?://|www\.)[^\s)\]>]+")


def digest_date(path: Path, meta: dict, body: str, fallback: str | None) -> str:
    found = date_from_value(meta.get("date")) if "date" in meta else None
    if not found and isinstance(meta.get("title"), str):
        found = date_in_text(meta["title"])
    headings = [line for line in body.split("\n")[:40] if _HEADING.match(line) or line.startswith("title")]
    for line in headings if not found else ():
        found = date_in_text(_URL_IN_LINE.sub(" ", line))  # a linked article's date is not the digest's
        if found:
            break
    found = found or date_in_filename(path.name) or fallback
    for line in headings if not found else ():  # last resort: the date of the first linked article
        found = date_in_text(line)
        if found:
            break
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
    if "://" not in text:
        return links
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
    text = _EMPHASIS.sub("", text) if "**" in text or "__" in text or "`" in text or "~~" in text else text
    text = _QUOTE_MARK.sub("", text) if ">" in text else text
    text = _LIST_MARK.sub("", text)
    text = _HEADING_MARK.sub("", text) if "#" in text else text
    text = _SPACES.sub(" ", text) if "  " in text or "\t" in text else text
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
    unlinked_section: bool = False  # from a section without any link: may retell the file's headlines

    def plain(self) -> tuple[str, str]:
        """Title and body as plain text, converted once (the item filter and the item both need them)."""
        if self._plain is None:
            self._plain = (plain_text(self.title), plain_text("\n".join(self.body)))
        return self._plain

    _plain: tuple[str, str] | None = field(default=None, repr=False)


def _make_item(draft: _Draft, path: Path, date: str, position: int) -> NewsItem | None:
    plain_title, plain_body = draft.plain()
    title = strip_numbering(clean_text(plain_title)).strip(" :：")
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
        file=str(path),
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


# ---------------------------------------------------------------- the structural reader
#
# Every digest, whatever its layout, is a tree: headings hold sections, sections hold paragraphs and list
# entries (with their nested lines). A news item is the smallest block that owns a story's title, text and
# link(s): a heading with its body when the body is one story (its fields: link lines, labelled lines), or each
# list entry / paragraph of a section that lists several linked stories.


@dataclass
class _Unit:
    """A paragraph or a top-level list entry: lines [start, end) of the body."""

    start: int
    end: int
    kind: str  # "entry", "para", "quote" (a blockquote, table or HTML block: never an item by itself)
    field: bool = False  # a field of the story above (a link line, a labelled line), not a story
    links: list | None = None  # its links, found once


@dataclass
class _Section:
    level: int  # 1-6 for # headings, 7 for a bold line standing alone as a heading; 0 for the whole body
    start: int  # index of the heading line (-1 for the whole body)
    title: str
    end: int = 0  # exclusive
    children: list = field(default_factory=list)  # _Section and _Unit, in order


_BOLD_LINE = re.compile(r"^\*\*([^*]{2,200}[^*:：])\*\*\s*$")
_DOMAIN = re.compile(r"[\w-]+(\.[\w-]+)+(/\S*)?")  # link text that is the link: `github.com/x/y`
_RULE = re.compile(r"^\s{0,3}([-*_=])(\s*\1){2,}\s*$")
# `来源：…`, `**链接**：…`, `**摘要：**…`; not `**ECS：Elixir 编译器…**：` (a bold headline with a colon inside)
_LABEL = re.compile(r"^[^\w\[*]{0,3}\s*(?:\*\*([^*：:]{1,12})(?:\*\*\s*[：:]|[：:]\s*\*\*)|([^\s*：:|\[\]()]{1,12}?)\s*[：:])")
# Labels that mark a field of the story above, whatever the digest: where the link, source, time or summary is.
_FIELD_LABELS = frozenset(
    "来源 链接 原文 原文链接 出处 证据 摘要 重点 发布时间 时间 评分 推荐 推荐级别 推荐理由 一句话 类别标签 标签 分类 "
    "source sources link links via url summary tags".split()
)


def _build_tree(lines: list[str]) -> _Section:
    """Headings nest by level; between them, paragraphs and top-level list entries with their nested lines."""
    root = _Section(0, -1, "")
    stack = [root]
    unit: _Unit | None = None
    list_indent: int | None = None
    previous_blank = True
    for n, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            previous_blank = True
            continue
        first = stripped[0]
        heading = _HEADING.match(line) if first == "#" else None
        bold = _BOLD_LINE.match(line) if first == "*" and line[0] == "*" and (previous_blank or unit is None) else None
        if bold and _byline(stack[-1], lines):
            lines[n] = ""  # `**Tom Simonite, Wired**` under a linked story heading: its byline, neither heading nor text
            continue
        if heading or bold:
            level = len(heading.group(1)) if heading else 7
            while stack[-1].level >= level:
                stack.pop().end = n
            section = _Section(level, n, heading.group(2) if heading else bold.group(1))
            stack[-1].children.append(section)
            stack.append(section)
            unit, list_indent, previous_blank = None, None, False
            continue
        if _RULE.match(line):
            unit, list_indent, previous_blank = None, None, True
            continue
        entry = _LIST.match(line) if first in "-*+0123456789" else None
        if entry and (list_indent is None or len(entry.group(1)) <= list_indent):
            list_indent = len(entry.group(1)) if list_indent is None else list_indent
            unit = _Unit(n, n + 1, "entry")
            stack[-1].children.append(unit)
        elif unit is not None and (not previous_blank or line[:1] in " \t" or entry):
            unit.end = n + 1  # continuation, nested content
        else:
            unit = _Unit(n, n + 1, "quote" if first in ">|<" else "para")  # quotes, tables, HTML blocks
            stack[-1].children.append(unit)
            list_indent = None
        previous_blank = False
    while stack:
        stack.pop().end = len(lines)
    return root


def _byline(section: _Section, lines: list[str]) -> bool:
    """Whether a bold line here stands under a story's linked heading, with nothing between them."""
    return 0 < section.level < 7 and not section.children and "](http" in lines[section.start]


def _label(text: str) -> str | None:
    m = _LABEL.match(text)
    return (m.group(1) or m.group(2)).strip().lower() if m else None


_RELATED = re.compile(r"^(?:\*\*)?(?:related(?: (?:links|coverage|stories|news))?|see also|more coverage|also"
                      r"|相关(?:阅读|链接|报道|新闻)?|延伸阅读|更多报道)\s*[:：]?(?:\*\*)?\s*[:：]?$", re.I)


class _StructureReader:
    """Items of one digest body from its tree (see the comment above)."""

    def __init__(self, lines: list[str], offset: int, repeated: frozenset[bytes], notes: list[tuple[int, str]]):
        self.lines, self.offset, self.repeated, self.notes = lines, offset, repeated, notes
        self.root = _build_tree(lines)
        self.field_labels = self._repeated_labels()

    def _repeated_labels(self) -> set[str]:
        """Short labels (`**融资信息**：`, `类比参考：`) that open three or more units in two or more sections:
        fields of each story. (A story listed twice, `**GLM-5 发布**：…` in a summary and in a detail section, is
        not a label: too few, and a headline has spaces or is longer.)"""
        where: dict[str, list[int]] = {}
        stack = [self.root]
        while stack:
            section = stack.pop()
            for child in section.children:
                if isinstance(child, _Section):
                    stack.append(child)
                else:
                    label = _label(self._first_text(child))
                    if label and len(label) <= 8 and " " not in label:
                        where.setdefault(label, []).append(section.start)
        return {label for label, sections in where.items() if len(sections) >= 3 and len(set(sections)) >= 2}

    def read(self) -> list[_Draft]:
        return self._section(self.root)

    # -- blocks
    def _text(self, start: int, end: int) -> list[str]:
        return self.lines[start:end]

    def _links(self, unit: _Unit) -> list[_Link]:
        if unit.links is None:
            unit.links = find_links("\n".join(self.lines[unit.start:unit.end]))
        return unit.links

    def _first_text(self, unit: _Unit) -> str:
        """A unit's first line without its list mark."""
        if unit.kind == "entry":
            return _LIST.match(self.lines[unit.start]).group(2)
        return self.lines[unit.start].strip()

    def _is_field(self, unit: _Unit) -> bool:
        if unit.kind == "entry" and self.lines[unit.start].lstrip()[:1].isdigit():
            return False  # a numbered entry is a story of a list, never a field of one
        first = self._first_text(unit)
        if "://" not in first and "：" not in first[:40] and ":" not in first[:40]:
            return False  # no label, no link: the common case, decided without a regex
        label = _label(first)
        if label and (label in _FIELD_LABELS or label in self.field_labels):
            return True
        if "://" not in first:
            return False
        besides = plain_text(_LINK.sub(" ", first))  # what the line says besides its links: `🔗 https://…`
        return _weight(besides) <= 8 and all(_weight(link.text) <= 16 or _DOMAIN.fullmatch(link.text)
                                             for link in find_links(first))  # `[Source](url)`, `[官网](url)`

    def _section(self, section: _Section) -> list[_Draft]:
        subs = [c for c in section.children if isinstance(c, _Section)]
        units = [c for c in section.children if isinstance(c, _Unit)]
        related = False
        for unit in units:
            unit.field = unit.kind != "quote" and self._is_field(unit)
            if unit.kind == "para" and _RELATED.match(self.lines[unit.start].strip()) and unit.end == unit.start + 1:
                unit.field = related = True  # `Related:` over a list of other reports of the same story
            elif related and unit.kind == "entry" and self._links(unit):
                unit.field = True
            else:
                related = False
        if subs and all(self._is_field_heading(s) for s in subs):
            return self._one_item(section)  # `#### [Submission URL](..) | N points | by [user](..)`
        if subs:
            named = bool(section.level) and self._is_repeated(section.title)
            drafts = self._list(units, section, named=named) if units else []
            for sub in subs:
                drafts.extend(self._section(sub))
            return drafts
        if section.level and self._is_repeated(section.title):
            return self._list(units, section, named=True)  # a section name (most files have it), not a headline
        stories = [u for u in units if u.kind != "quote" and not u.field]
        linked = sum(1 for u in stories if self._links(u))
        entries = sum(1 for u in stories if u.kind == "entry")
        owned = any(u.field and self._links(u) for u in units)  # a `🔗 链接：` line of the section's story
        if "](" in section.title and find_links(section.title):
            if linked >= 2 or (entries >= 2 and not owned):
                return self._list(units, section)  # `### #[channel](url)` over a list of stories of its own
            return self._one_item(section)  # a linked headline owns its text, its fields and their points
        if section.level == 0 or linked >= 2 or (entries >= 2 and not owned):
            return self._list(units, section)
        if len(stories) == 1 and stories[0].kind == "entry" and self._titled_entry(stories[0]):
            return self._list(units, section)  # a section with one `- [headline](url)` entry
        return self._one_item(section)

    def _titled_entry(self, unit: _Unit) -> bool:
        """An entry that is a story of its own: numbered (`1. …`), or led by a link or a bold headline."""
        entry = _LIST.match(self.lines[unit.start])
        first = entry.group(2)
        return (self.lines[unit.start].lstrip()[:1].isdigit() or _LINK_LEAD.match(first) is not None
                or re.match(r"^\s*\*\*.+?\*\*", first) is not None)

    def _is_field_heading(self, section: _Section) -> bool:
        return "|" in section.title and len(find_links(section.title)) >= 2

    def _one_item(self, section: _Section) -> list[_Draft]:
        body = [line for line in self._text(section.start + 1, section.end) if not _RULE.match(line)]
        draft = _Draft(section.title, body, section.start + self.offset, layout="structure")
        draft.links = find_links(section.title + "\n" + "\n".join(body))
        title, text = draft.plain()
        if not draft.links:
            if self._is_repeated(section.title):
                self.notes.append((draft.line, f"section '{title}' repeats across the source's files and has no link: not an item"))
                return []
            if not text:
                self.notes.append((draft.line, f"heading '{title}' has no text and no link: not an item"))
                return []
        draft.unlinked_section = not draft.links
        return [draft] if _worth_an_item(draft) else []

    def _list(self, units: list[_Unit], section: _Section, named: bool = False) -> list[_Draft]:
        """Each story unit of a section listing several: one item, with the field units after it.

        `named`: the section's heading recurs across the source's files; its paragraphs without a link are the
        section's prose (今日洞察, Podcast), not stories.
        """
        drafts: list[_Draft] = []
        current: _Draft | None = None
        for unit in units:
            if unit.kind == "quote":
                current = None
                continue
            lines = self._text(unit.start, unit.end)
            if unit.field:
                if current is not None:
                    current.body.extend(lines)
                    current.links.extend(self._links(unit))
                else:  # `🎧 [今日音频](…) · 🌐 [完整网页](…)`: links with no story of their own
                    self.notes.append((unit.start + self.offset, f"link line without a story: not an item: {plain_text(lines[0])[:50]}"))
                continue
            first = _LIST.match(lines[0]).group(2) if unit.kind == "entry" else lines[0].strip()
            if named and unit.kind == "para" and not self._links(unit):
                self.notes.append((unit.start + self.offset, f"paragraph without a link under the recurring section '{plain_text(section.title)}': not an item"))
                current = None
                continue
            title, rest = _entry_title(first, nested=len(lines) > 1 and lines[1][:1] in " \t" and _LIST.match(lines[1]) is not None)
            current = _Draft(title, ([rest] if rest else []) + lines[1:], unit.start + self.offset, layout="structure")
            current.links = list(self._links(unit))  # the entry's own line first: a leading link gave the title
            drafts.append(current)
        kept = [draft for draft in drafts if _worth_an_item(draft)]
        if not any(draft.links for draft in kept):
            for draft in kept:
                draft.unlinked_section = True
        return kept

    def _is_repeated(self, heading: str) -> bool:
        return bool(self.repeated) and heading_key(heading) in self.repeated


def _parse_structure(lines: list[str], offset: int, repeated: frozenset[bytes] = frozenset(),
                     notes: list[tuple[int, str]] | None = None) -> list[_Draft]:
    return _StructureReader(lines, offset, repeated, notes if notes is not None else []).read()


_LINK_LEAD = re.compile(r"^\s*\[((?:[^\[\]]|\[[^\]]*\])+)\]\((https?://[^)\s]+)\)\s*(?:[-–—:：|]+\s*(.*))?$", re.S)


def _entry_title(text: str, nested: bool = False) -> tuple[str, str]:
    """Title of a list entry: its leading **bold** part, its leading link's text, the whole line when the entry
    has nested lines and the line is short (`- headline` over `  - 摘要：…`), else its first sentence."""
    m = re.match(r"^\s*\*\*(.+?)\*\*\s*(?:[:：|｜—]+\s*(.*))?$", text)
    if m:  # a bold lead-in is a title only when it stands alone or before a colon
        return m.group(1), m.group(2) or ""
    m = _LINK_LEAD.match(text)
    if m:
        return m.group(1), m.group(3) or ""
    plain = plain_text(text)
    if nested and (len(plain) <= 160 or len(plain) <= 300 and "。" not in plain[:-1]):
        return text, ""
    m = re.match(r"^(.{8,80}?[。！？!?；;：:])(.*)$", plain)
    if m:
        return m.group(1).rstrip("：:"), text
    return plain[:80], text if len(plain) > 80 else ""


# Sign-offs, sponsor and referral blurbs: not news. Backs up the repetition measure (kg/ingest/digest.py
# repeated_lines) for sources with too few files to measure it.
_BOILERPLATE = re.compile(
    r"感谢你?(花时间)?(阅读|读完)|加入.{0,6}(交流群|社群)|扫码|关注公众号|邀请码|推广链接|使用此链接|赞助|广告|"
    r"返利|优惠码|sponsored|subscribe to|unsubscribe|newsletter signup|^\W*数据来源[:：]|整理[:：]|自动(整理|汇总|生成)",
    re.I,
)


def _worth_an_item(draft: _Draft) -> bool:
    title, text = draft.plain()
    if not draft.links:
        draft.links = find_links(draft.title + "\n" + "\n".join(draft.body))
    has_link = bool(draft.links)
    if (_BOILERPLATE.search(title) or _BOILERPLATE.search(text[:60])) and not (has_link and _weight(title) >= 24):
        return False  # a blurb; a linked headline about ads or sponsors is still news
    return _weight(text) >= 20 or (has_link and _weight(title + text) >= 12)


def _weight(text: str) -> int:
    """Length with Chinese characters counted twice: 谷歌发布Gemini 3 says as much as 20 Latin letters."""
    return len(text) + len(_CJK_CHAR.findall(text))


_CJK_CHAR = re.compile("[\u4e00-\u9fff]")


# ---------------------------------------------------------------- boilerplate by repetition

REPEATED_SHARE = 0.25  # a line in at least this share of a source's files (and in 3 or more) is boilerplate
_MIN_FILES = 3
_repeated_cache: dict[tuple[str, int], frozenset[bytes]] = {}
_MEASURED_BYTES = 16 * 1024  # of a file's head and of its tail: where headers, sign-offs and blurbs are


_NOT_WORD = re.compile(r"[\W_]+")


ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")


def _line_keys(text: bytes) -> list[bytes]:
    """Each line of a UTF-8 text as compared across files: spaces collapsed, numbers masked (dates and counts
    change) unless it has a link (`[论文](https://arxiv.org/abs/2506.04180)` is one paper, not any). A heading
    (`### **🔍 今日洞察**`) or a bold line standing alone keeps only its words (`#今日洞察`). Empty: not compared.

    Works on bytes: masking a whole text at once is ~20x faster than line by line in Python strings.
    """
    keys = []
    for raw, masked in zip(text.split(b"\n"), text.translate(ZERO_DIGITS).split(b"\n")):
        if not 4 <= len(raw) <= 1200:
            keys.append(b"")
            continue
        line = (raw if b"://" in raw else masked).strip()
        if line[:1] == b"#" or line[:2] == b"**" and line[-2:] == b"**":
            keys.append(heading_key(line.decode("utf-8", "replace").lstrip("#")))
        else:
            keys.append(line)
    return keys


def _body_keys(text: bytes) -> list[bytes]:
    """_line_keys of a body's lines that can be dropped: headings (kept as structure) get no heading key."""
    return [(raw if b"://" in raw else masked).strip()
            for raw, masked in zip(text.split(b"\n"), text.translate(ZERO_DIGITS).split(b"\n"))]


def heading_key(title: str) -> bytes:
    """A heading as compared across files: its words only, numbers masked (`## AI资讯日报 2025/8/12`)."""
    return ("#" + _NOT_WORD.sub("", title).lower()).encode().translate(ZERO_DIGITS)


def repeated_lines(folder: Path) -> frozenset[bytes]:
    """Keys of the lines that recur in most digest files of a folder (one source): headers, sign-offs, blurbs.

    A folder is one source. Measured on the first and last 16 KB of each file, once per folder and process (the
    folder's modification time keys it).
    """
    try:
        stamp = folder.stat().st_mtime_ns
    except OSError:
        return frozenset()
    key = (str(folder.resolve()), stamp)
    if key not in _repeated_cache:
        _repeated_cache[key] = _measure_repetition(folder)
    return _repeated_cache[key]


def _measure_repetition(folder: Path) -> frozenset[bytes]:
    try:
        files = [p for p in folder.iterdir() if p.suffix.lower() in DIGEST_SUFFIXES and p.is_file()]
    except OSError:
        return frozenset()
    if len(files) < _MIN_FILES:
        return frozenset()
    counts: dict[bytes, int] = {}
    for path in files:
        try:
            if path.stat().st_size > DEFAULT_MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        data = data.replace(b"\r", b"")
        if data.startswith(b"---\n"):  # front matter is not body text: never dropped, so not measured
            end = data.find(b"\n---", 3)
            data = data[end + 4 :] if end >= 0 else data
        if len(data) > 2 * _MEASURED_BYTES:
            data = data[:_MEASURED_BYTES] + b"\n" + data[-_MEASURED_BYTES:]
        seen = set(_line_keys(data))
        seen.discard(b"")
        seen.discard(b"#")
        for line in seen:
            counts[line] = counts.get(line, 0) + 1
    need = max(_MIN_FILES, REPEATED_SHARE * len(files))
    return frozenset(line for line, count in counts.items() if count >= need)


def _carries_story(line: str) -> bool:
    """A line with a headline link (`[Railway raises $100M …](url)`), not a `[Website](url)` or `[视频](url)` link."""
    return "](" in line and any(_weight(link.text) >= 24 for link in find_links(line))


def _drop_repeated(lines: list[str], repeated: frozenset[bytes], offset: int, notes: list[tuple[int, str]]) -> list[str]:
    """Blank the repeated lines of each block (lines up to a blank line or heading), keeping line numbers.

    Headings stay (they give the structure), and so does every line of a block that carries a story: a story a
    source lists again day after day is still a story (it becomes one item across files), a repeated header,
    podcast blurb or sign-off is not.
    """
    if not repeated:
        return lines
    keys = _body_keys("\n".join(lines).encode("utf-8", "surrogatepass"))
    if not any(key in repeated for key in keys):
        return lines
    out = list(lines)
    start = 0
    for end in range(len(lines) + 1):
        if end < len(lines) and lines[end].strip() and not lines[end].startswith("#") and not (
                end > start and _LIST.match(lines[end]) and lines[end][:1] not in " \t"):
            continue  # a block ends at a blank line, a heading, or the next top-level list entry
        block = range(start, end)
        start = end + 1 if end < len(lines) and (not lines[end].strip() or lines[end].startswith("#")) else end
        hits = [n for n in block if keys[n] in repeated]
        if not hits or any(_carries_story(lines[n]) for n in block):
            continue
        for n in hits:
            out[n] = ""
        shown = " / ".join(filter(None, (plain_text(lines[n])[:40] for n in hits[:3]))) or lines[hits[0]].strip()[:60]
        notes.append((hits[0] + offset, f"repeated block dropped ({len(hits)} line(s) found in most of the source's files): {shown}"))
    return out


# ---------------------------------------------------------------- choosing the reader


def detect_layout(body: str) -> str:
    """The dedicated reader a body looks written for (A, B, C), else "structure"."""
    if re.search(r"^\s*>?\s*\*\*来源[:：]\*\*", body, re.M):
        return "B"
    whole_line_entries = len(re.findall(r"^\s{0,3}\d{1,4}\.\s+\[.+\]\(https?://(?:x|twitter)\.com/[^)\s]*\)\s*$", body, re.M))
    numbered = len(re.findall(r"^\s{0,3}\d{1,4}\.\s", body, re.M))
    if whole_line_entries and whole_line_entries * 2 >= numbered:
        return "C"
    if body.count("阅读原文") >= 1 and re.search(r"^###\s", body, re.M):
        return "A"
    return "structure"


_PARSERS = {"A": _parse_layout_a, "B": _parse_layout_b, "C": _parse_layout_c}


def _linked(drafts: list[_Draft]) -> int:
    for d in drafts:
        if not d.links:
            d.links = find_links(d.title + "\n" + "\n".join(d.body))
    return sum(1 for d in drafts if d.links)


def choose_reader(layout: str, lines: list[str], offset: int, repeated: frozenset[bytes],
                  notes: list[tuple[int, str]]) -> tuple[str, list[_Draft], str | None]:
    """Reader, its drafts, and why the structural reader replaced the expected one (None when it did not).

    A dedicated reader proves itself on the file: when the structure finds clearly more linked stories than
    it does (it took section headings for items, or missed items nested deeper), the structure wins.
    """
    structure_notes: list[tuple[int, str]] = []
    structural = _parse_structure(lines, offset, repeated, structure_notes)
    if layout == "structure":
        notes.extend(structure_notes)
        return layout, structural, None
    dedicated = _PARSERS[layout](lines, offset)
    found, expected = _linked(structural), _linked(dedicated)
    if found < 3 or 3 * found <= 4 * expected + 3:
        return layout, dedicated, None
    notes.extend(structure_notes)
    why = (f"read by its structure, not as layout {layout}: the layout {layout} reader found {expected} linked "
           f"item(s) of {len(dedicated)}, the structure {found}")
    return "structure", structural, why


# ---------------------------------------------------------------- the digest


_NUMBER_LEAD = re.compile(r"^\s*(?:(?:No\.|#)\s?\d{1,4}[.:：、]?\s+|\d{1,3}\s?[.、)）]\s*(?!\d)|[【\[(（]\d{1,3}[】\])）]\s*)")
_NUMBER_TAIL = re.compile(r"(?<![A-Za-z])\s+#\d{1,3}\s*$")  # `Issue #422`, `修复 #6186` keep theirs


def strip_numbering(title: str) -> str:
    """A headline without its list number: `8. X`, `【8】X`, `#8 X`, `X #8` -> `X` (`PR #359` stays)."""
    stripped = title
    if stripped[:1] in _NUMBER_STARTS:
        stripped = _NUMBER_LEAD.sub("", stripped, count=1)
    if "#" in stripped:
        stripped = _NUMBER_TAIL.sub("", stripped)
    return stripped if stripped.strip() else title


_NUMBER_STARTS = frozenset("0123456789【[(（#N ")


def _grams(text: str, n: int = 3) -> set[str]:
    key = _NOT_WORD.sub("", text).lower()
    return {key[i:i + n] for i in range(len(key) - n + 1)}


def _drop_summaries(drafts: list[_Draft], notes: list[tuple[int, str]]) -> list[_Draft]:
    """Drop the blocks without a link that retell the file's linked headlines (目录, 要点汇总, 今日总结, 导语)."""
    if not any(d.unlinked_section for d in drafts):
        return drafts
    linked = [d for d in drafts if d.links]
    if not linked:
        return drafts
    headlines: set[str] = set()
    for d in linked:
        headlines |= _grams(d.plain()[0])
    kept = []
    for d in drafts:
        if d.unlinked_section and not d.links and len(d.title) + sum(map(len, d.body)) <= 600:
            title, text = d.plain()
            grams = _grams(title + text[:300])
            if len(grams) >= 6 and len(grams & headlines) >= 0.6 * len(grams):
                notes.append((d.line, f"'{title[:40]}' retells the file's headlines without a link: not an item"))
                continue
        kept.append(d)
    return kept


@dataclass
class Note:
    """Something a user should know about how a file was read (shown by `kg inspect`)."""

    line: int
    message: str


def parse_digest(path: Path, *, fallback_date: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 repeated: frozenset[bytes] | None = None) -> Digest:
    """Parse one digest file. Raises InputFileError when the file cannot be used.

    `repeated`: keys of the lines that recur across the source's files (default: measured on the file's folder).
    """
    path = Path(path)
    text, warnings = read_text(path, max_bytes)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body, body_line = split_front_matter(path, text)
    date = digest_date(path, meta, body, fallback_date)
    expected = detect_layout(body)
    if repeated is None:
        repeated = repeated_lines(path.parent)
    raw: list[tuple[int, str]] = []
    lines = _drop_repeated(_strip_fences(body.split("\n")), repeated, body_line, raw)
    layout, drafts, why = choose_reader(expected, lines, body_line, repeated, raw)
    if why:
        warnings.append(f"{path}: {why}")
    if not drafts and layout != "structure":
        layout, drafts = "structure", _parse_structure(lines, body_line, repeated, raw)
    drafts = _drop_summaries(drafts, raw)
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
    notes = [Note(line, message) for line, message in sorted(raw)]
    return Digest(path, date, title or path.stem, layout, items, warnings, expected, notes)


def item_notes(digest: Digest) -> list[Note]:
    """How the file was read, in line order: the reader's notes and what each item lacks."""
    notes = list(digest.notes)
    for item in digest.items:
        if not item.url:
            notes.append(Note(item.line, f"item without link: '{item.title[:40]}' (its source is this file and line)"))
        if not item.text:
            notes.append(Note(item.line, f"headline without text: '{item.title[:40]}'"))
    return sorted(notes, key=lambda note: note.line)
