"""Top-K search over the article vectors: one searcher for the build's blocks and for a
query's row, with one tie rule and one place for pruning."""
