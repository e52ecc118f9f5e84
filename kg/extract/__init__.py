"""Finding the names in an item: the rules, the gazetteer and pattern matchers, the statistical model."""
