"""Write tests/data/golden-index: a small index of the current format, committed so that
``tests/test_golden.py`` proves later versions still read it (or refuse it plainly).

Run it only when the format version changes: ``python tests/make_golden.py``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from recommender import BuildConfig, RelatedIndex
from recommender.corpus import read_articles
from recommender.demo import demo_corpus_path

HERE = Path(__file__).parent / "data"
ARTICLES = 30


def main() -> None:
    articles = read_articles(demo_corpus_path())[:ARTICLES]
    index = RelatedIndex.build(articles, BuildConfig(n_neighbors=5))
    # committed as a plain directory (the resolved version, as `cp -rL` copies an index):
    # no symlink, versions folder nor lock file in the repository
    with tempfile.TemporaryDirectory() as folder:
        saved = index.save(Path(folder) / "golden-index")
        shutil.rmtree(HERE / "golden-index", ignore_errors=True)
        shutil.copytree(saved.resolve(), HERE / "golden-index")
    answers = {a.id: [[r.id, round(r.score, 6)] for r in index.related(a.id, k=3)]
               for a in articles}
    (HERE / "golden-answers.json").write_text(json.dumps(answers, indent=1) + "\n")


if __name__ == "__main__":
    main()
