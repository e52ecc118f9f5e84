"""The SPARQL side: the query store and named queries, the HTTP endpoint, pushing to a server, reports."""
