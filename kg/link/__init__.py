"""From mentions to entities and relations: name resolution and relation finding."""
