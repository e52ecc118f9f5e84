"""Latin words in Chinese and English AI news: which are the genre's vocabulary and which may be names (the
NER's silver data marks the latter missing when no rule covers them; the build reads the model only around them)."""
from __future__ import annotations

import re

# Latin words that are vocabulary, not names, in this genre: labelled "outside" even when no rule covers them.
COMMON_LATIN = frozenset(
    """ai agi api apis llm llms gpu gpus cpu npu tpu sdk ceo cto cfo coo vp ui ux app apps ios android web pc
    token tokens prompt prompts agent agents model models benchmark benchmarks open source opensource beta alpha
    preview pro max mini lite turbo plus ultra free paper papers code coding chat bot bots rag mcp json http https
    url github twitter x reddit discord youtube blog demo repo gb tb mb k m b usd rmb us uk eu ok faq fps tps
    sota moe rl rlhf sft dpo lora fp8 fp16 bf16 int4 int8 ocr tts asr vlm vla llm-as-a-judge new the a an of
    and or for to in on with by is are was be this that it at as from we you they he she i""".split()
)

NAME_LIKE_LATIN = re.compile(r"^@?[A-Za-z][A-Za-z0-9.\-_+]*$")


def is_name_like(text: str, common: frozenset[str] = COMMON_LATIN) -> bool:
    """A Latin token that may be a name: not a common word, not a short acronym (HD, GIF, CLI)."""
    if not NAME_LIKE_LATIN.match(text) or len(text) < 2 or text.lower() in common:
        return False
    if text.isupper() and text.isalpha() and len(text) <= 3:
        return False
    return text.startswith("@") or any(c.isupper() or c.isdigit() for c in text[1:]) or text[0].isupper()
