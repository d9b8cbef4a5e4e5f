"""``python -m recommender``: the same command as the ``recommender`` script."""

from recommender.cli import main

main(prog_name="recommender")
