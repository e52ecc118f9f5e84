"""Static subword vectors learned from the training text, for the relation classifier (kg train-relations) and the
NER (kg train, kg/extract/ner/config-vectors.cfg).

The text is the items of the training files (kg.ingest.corpora.training_files: hextra-ai-insight-daily before
2026-01, ainews-zh before 26-07, never the layouts corpus or a file a gold item comes from), cut into the words
the classifier's instances are made of (kg.link.rel.instances.tokens: Chinese characters, lower-cased Latin
words), one sentence a line (the NER's text is cut by its own tokenizer instead: kg/extract/ner/train.py). floret (spaCy's compact fastText variant) learns a vector for every word from the
character n-grams it is made of, in a hashed table of `bucket` rows, so a word never seen in training still gets a
vector from its pieces. One thread and a fixed seed: the same text gives the same table.

The table is loaded into the classifier's vocabulary (`spacy.training.initialize.convert_vectors`, floret mode)
and ships inside the model folder; the classifier's tok2vec reads it (`include_static_vectors`).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.extract.spans import item_text, sentence_bounds
from kg.ingest.corpora import TrainingDataError, read_items
from kg.ingest.normalize import to_simplified
from kg.link.rel.instances import tokens


Sentences = Callable[[object], Iterator[list[str]]]  # an item -> the words of each of its sentences


def instance_sentences(item) -> Iterator[list[str]]:
    """The relation classifier's words (kg.link.rel.instances.tokens) of each sentence of an item."""
    text = to_simplified(item_text(item))
    for start, end in sentence_bounds(text):
        yield tokens(text[start:end])


def write_vector_text(files: Iterable[Path], path: Path, sentences: Sentences = instance_sentences) -> int:
    """Write the items of `files` as words, one sentence a line; returns the number of words."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for item in read_items(files):
            for words in sentences(item):
                if len(words) > 1:
                    out.write(" ".join(words) + "\n")
                    count += len(words)
    return count


def train_vectors(files: Iterable[Path], table: Path, params, sentences: Sentences = instance_sentences) -> int:
    """Train floret vectors on the files' text, cut into words by `sentences` (the `vectors_*` settings of
    `[kg_training]`), and write their table to `table` (floret's text format); returns the number of words of
    training text."""
    try:
        import floret
    except ImportError:
        raise TrainingDataError("the config asks for static vectors, but floret is not installed. "
                                "Fix: pip install 'kg[train]' (or floret)") from None
    text = table.with_suffix(".txt")
    words = write_vector_text(files, text, sentences)
    if not words:
        raise TrainingDataError("no training text for the static vectors. Fix: check the shared corpora")
    model = floret.train_unsupervised(  # one thread: floret's fixed seed then gives the same table every time
        str(text), model=str(params.get("vectors_model", "cbow")), mode="floret",
        dim=int(params["vectors_dim"]), bucket=int(params["vectors_bucket"]),
        minn=int(params["vectors_minn"]), maxn=int(params["vectors_maxn"]), hashCount=2,
        epoch=int(params["vectors_epochs"]), minCount=int(params.get("vectors_min_count", 5)), thread=1, verbose=0)
    model.save_floret_vectors(str(table))
    text.unlink()
    return words


def load_vectors(nlp, table: Path) -> None:
    """Put the floret table into `nlp`'s vocabulary (before the pipeline is initialized)."""
    from spacy.training.initialize import convert_vectors

    convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret")


def write_vectors_folder(table: Path, folder: Path, lang: str = "zh") -> None:
    """Save the floret table as a blank spaCy pipeline of `lang` (what `spacy init vectors --mode floret` makes),
    for a training config's `[initialize] vectors`."""
    import spacy

    nlp = spacy.blank(lang)
    load_vectors(nlp, table)
    nlp.to_disk(folder)
