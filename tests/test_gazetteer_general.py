"""The general-knowledge part of the gazetteer: companies, investors, software, public bodies and universities
around AI, found by their English and Chinese names, and not where the name is only part of other words."""
from __future__ import annotations

from kg.extract.mentions import GazetteerMatcher, _non_overlapping


def _names(rules, text):
    return [(text[m.start : m.end], m.entity_id) for m in _non_overlapping(GazetteerMatcher(rules).find(text))]


def test_companies_of_other_sectors_and_investors_by_english_and_chinese_name(rules):
    assert _names(rules, "毕马威与沙特阿美签署 AI 合作协议，红杉中国和淡马锡参投") == [
        ("毕马威", "kpmg"), ("沙特阿美", "saudi-aramco"), ("红杉中国", "hongshan"), ("淡马锡", "temasek")]
    assert _names(rules, "KPMG and Saudi Aramco; round led by Temasek with Bain Capital") == [
        ("KPMG", "kpmg"), ("Saudi Aramco", "saudi-aramco"), ("Temasek", "temasek"), ("Bain Capital", "bain-capital")]


def test_software_public_bodies_and_universities(rules):
    assert _names(rules, "Claude 支持 Model Context Protocol，可读写 Google Drive") == [
        ("Claude", "claude"), ("Model Context Protocol", "model-context-protocol"), ("Google Drive", "google-drive")]
    assert rules.entities["google-drive"].developer == "google"
    assert _names(rules, "国家发改委与中国科学技术大学") == [
        ("国家发改委", "national-development-and-reform-commission"),
        ("中国科学技术大学", "university-of-science-and-technology-of-china")]


def test_names_inside_other_words_or_common_words_are_not_matched(rules):
    # 强生 (J&J) in 增强生成, 币安 (Binance) in 加密货币安全, 新浪 (Sina) in 新浪潮, 台大 in 平台大模型
    assert _names(rules, "检索增强生成、加密货币安全、新浪潮、平台大模型、科技部署") == []
    # Check Point folds to "checkpoint"; case-sensitive names need their capitals (Flutter, Kindle, Telegram)
    assert _names(rules, "save the model checkpoint; a flutter of kindle and a telegram") == []
    assert _names(rules, "High-Fidelity audio, a blue sky idea, ReAct prompting") == []
