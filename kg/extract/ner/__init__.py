"""Our own statistical NER: silver training data from the rules, training, and the build-time component.

No trained Chinese spaCy pipeline can be downloaded here, so `kg train` makes one from the shared corpora:
`silver` annotates sentences with the rules (distant supervision), `train` runs `spacy train` on them with
the config kept beside this file, `component` runs the shipped model after the rule components.
"""
