"""Learning the ranking from a site's own editor links (issue 11): pair features, folds
that never test a link whose reverse was trained on, and cross-validated models."""
