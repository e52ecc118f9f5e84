"""The type of a model-found name: what the words beside it say ("X 模型" a product, "X 公司" a company, "CEO X" a
person), else the model's label, except that the model's "Company" needs a company-shaped name.

The model cannot tell a new product from a new company by its name: of the names it called Company that
checkers typed by hand, 69 were products and 32 companies (268 names in the 204 held-out files, shipped model),
while products are 4 in 5 of the names it finds. A name like "Eureka Labs" or "Mendable AI" keeps Company; a bare
name ("Milvus", "Zotero", "Phind") is read as a product unless a word beside a mention says otherwise. The
type of an entity is still the vote of its mentions. On those 268 names the right type went from 149 (56%) to
197 (74%); the words beside a mention, where they say anything, were right 34 times in 42 (the model 17).
Only words that say it of the name itself count: "OpenAI 的 API" is OpenAI's API, so API, SDK, 工具 and 芯片 are
not cues.
"""
from __future__ import annotations

import re

_AFTER = (
    ("Product", re.compile(
        r"\s?(?:的)?(?:大?模型|models?\b|应用程序?|[Aa]pps?\b|插件|扩展|框架|库|编辑器|浏览器|数据库|客户端|版本)"
        r"|\s?v\d|-\d+(?:\.\d+)?[BbMm]\b|\s\d+(?:\.\d+)?[BbMm]\b")),
    ("Company", re.compile(r"\s?(?:的)?(?:公司|团队|创始人|联合创始人|首席|CEO|CTO|融资|估值|员工|旗下)|,? Inc\b|,? Corp\b")),
)
_BEFORE = (
    ("Person", re.compile(r"(?:CEO|CTO|创始人|研究员|工程师|教授|科学家|作者)\s?$")),
    ("Company", re.compile(r"(?:公司|创业公司|初创公司)\s?$")),
)


# Names that say they are a company: Eureka Labs, Mendable AI, CleanlabAI, Figure Robotics.
_COMPANY_NAME = re.compile(
    r".+(?:[ -](?:Labs?|AI|Inc|Corp|Technologies|Robotics|Capital|Ventures|Partners|Systems|Intelligence|"
    r"Computing|Research)|Labs|AI)"
)


def settle_type(label: str, text: str, start: int, end: int) -> str:
    """The type of the model's mention text[start:end] that it labelled `label`."""
    cue = type_cue(text, start, end)
    if cue:
        return cue
    if text.startswith("@", start) and label in ("Product", "Hardware"):
        return "Person"  # an account handle names who posts: a person far more often than anything else
    if label == "Company" and not _COMPANY_NAME.fullmatch(text[start:end]):
        return "Product"
    return label


def type_cue(text: str, start: int, end: int) -> str | None:
    """The type the words beside text[start:end] give the name, or None when they say nothing (or disagree)."""
    said = {label for label, pattern in _AFTER if pattern.match(text, end)}
    said |= {label for label, pattern in _BEFORE if pattern.search(text, max(0, start - 8), start)}
    return said.pop() if len(said) == 1 else None
