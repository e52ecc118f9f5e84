"""Property-based tests: arbitrary input never crashes the parser; normalising is idempotent."""
from __future__ import annotations


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import URIRef

from kg.ingest.digest import parse_digest, plain_text
from kg.errors import InputFileError
from kg.ingest.normalize import clean_text, fold_name, iri_safe, normalize_url, slugify, to_simplified

MARKDOWNISH = st.lists(
    st.sampled_from(list("#-*>`[]()!:：\n \t|_=~1234567890.") + list("谷歌英伟达發布GeminiH200") + ["http://", "https://x.com/", "---\n", "\u200b", "\r", "**", "1. "]),
    max_size=200,
).map("".join)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(MARKDOWNISH, st.text(max_size=300)), date=st.booleans())
def test_any_text_parses_or_fails_with_a_clear_error(tmp_path, body, date):
    path = tmp_path / "fuzz.md"
    path.write_text(("---\ndate: 2025-12-01\n---\n" if date else "") + body, encoding="utf-8", errors="surrogatepass")
    try:
        digest = parse_digest(path)
    except InputFileError as exc:
        assert str(exc).startswith(str(path)) and "Fix: " in str(exc)
        return
    for item in digest.items:
        assert item.title or item.text
        assert item.date
        assert item.url is None or item.url.startswith(("http://", "https://"))


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_bytes_parse_or_fail_with_a_clear_error(tmp_path, data):
    path = tmp_path / "fuzz.md"
    path.write_bytes(data)
    try:
        parse_digest(path, fallback_date="2025-01-01")
    except InputFileError as exc:
        assert "Fix: " in str(exc)


@given(st.text())
def test_fold_name_is_idempotent(text):
    assert fold_name(fold_name(text)) == fold_name(text)


@given(st.text())
def test_clean_text_is_idempotent(text):
    assert clean_text(clean_text(text)) == clean_text(text)


@given(st.text())
def test_to_simplified_keeps_length(text):
    assert len(to_simplified(text)) == len(text)


@given(st.text())
def test_plain_text_never_raises(text):
    plain_text(text)


@given(st.from_regex(r"https?://[a-zA-Z0-9.\-]{1,20}(/[\w%?&=#.\-]{0,30})?", fullmatch=True))
def test_normalize_url_is_idempotent(url):
    assert normalize_url(normalize_url(url)) == normalize_url(url)


_IRI_FORBIDDEN = set('<>"{}|^`\\ ') | {chr(c) for c in range(0x21)}


@given(st.text())
def test_iri_safe_and_slugs_make_valid_iris(text):
    import pyoxigraph

    for part in (iri_safe(text), slugify(text)):
        assert not (set(part) & _IRI_FORBIDDEN)
        URIRef("https://example.org/" + part)  # rdflib accepts it
        pyoxigraph.NamedNode("https://example.org/id/" + part)  # and oxigraph's strict RFC 3987 check


@given(st.from_regex(r"https?://[a-z0-9.\-]{1,12}(:[0-9]{1,4})?/.{0,40}", fullmatch=True))
def test_web_links_become_valid_iris(url):
    import pyoxigraph

    from kg.ingest.normalize import web_iri

    iri = web_iri(url)
    assert iri.startswith(url.strip()[:url.index(":")].lower() + "://")  # a link of this shape always has an IRI
    pyoxigraph.NamedNode(iri)


_URL_CHARS = "aZ09-._~!$&'()*+,;=:@/?#% \t\n%e4%4G中Ä[]"


@given(st.builds(lambda scheme, host, rest: scheme + host + rest,
                 st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", " https://"]),
                 st.text("ab.-Z9:@[]", min_size=0, max_size=8),
                 st.text(_URL_CHARS, max_size=24)))
def test_the_fast_way_to_a_web_iri_gives_what_parsing_gives(url):
    from kg.ingest.normalize import _parsed_web_iri, web_iri

    assert web_iri(url) == _parsed_web_iri(url.strip())


def test_control_characters_never_reach_xml_exports(tmp_path):
    import networkx as nx

    from kg.export.graphml import export
    from kg.builder.pipeline import build

    path = tmp_path / "2025-12-01.md"
    path.write_text("## 谷歌\x19发布Gemini 3\x1c\x0b\n\n谷歌\x01发布了新的模型，性能\x7f大幅提升。\x08\n", encoding="utf-8")
    result = build([path])
    export(result.graph, tmp_path / "graph.graphml")
    nx.read_graphml(tmp_path / "graph.graphml")  # well-formed XML
    [item] = result.items.values()
    assert item.title == "谷歌发布Gemini 3"
