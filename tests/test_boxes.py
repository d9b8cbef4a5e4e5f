"""Editor boxes (issue 10): each rule of QueryConfig on realistic stories, each test failing
without its rule; then properties that hold for any rules."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from boxes_corpus import stories
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommender import BuildConfig, RelatedIndex
from recommender.analysis.tags import normalize_tag
from recommender.errors import ConfigError
from recommender.query.config import QueryConfig
from recommender.records import Article

PLAIN = QueryConfig.plain()


@pytest.fixture(scope="module")
def index() -> RelatedIndex:
    return RelatedIndex.build(stories())


@pytest.fixture(scope="module")
def by_id() -> dict[str, Article]:
    return {a.id: a for a in stories()}


def ids(items) -> list[str]:
    return [r.id for r in items]


def test_the_floor_keeps_filler_out():
    # plain cosine ranking (score == similarity): eau-2026 shares one word with two
    # English stories, at 0.013 and 0.022
    index = RelatedIndex.build(stories(), BuildConfig(hub_penalty=0.0, time_weight=0.0))
    loose = index.related("eau-2026", k=8, same_language=False, min_score=0.0, fallback=())
    assert {"water-2024-en", "water-2025-en"} <= set(ids(loose))
    floored = index.related("eau-2026", k=8, same_language=False, min_score=0.02, fallback=())
    assert "water-2024-en" not in ids(floored) and "water-2025-en" in ids(floored)
    assert all(r.similarity >= 0.02 for r in floored)
    assert QueryConfig().min_score >= 0.01  # the contract: nothing below 0.01 by default


def test_the_floor_also_holds_for_the_ranked_score(index):
    # with the hub penalty, those two English stories score 0: filler, never "similar"
    loose = index.related("eau-2026", k=8, same_language=False, min_score=0.0, fallback=())
    zero = [r for r in loose if r.id.startswith("water-")]
    assert zero and all(r.score < 0.01 for r in zero)
    box = index.related("eau-2026", k=8, same_language=False)
    floor = QueryConfig().min_score
    assert all(r.score >= floor and r.similarity >= floor for r in box if r.reason == "similar")
    assert not {r.id for r in box if r.reason == "similar"} & {r.id for r in zero}


def test_copies_of_one_wire_story_are_shown_once(index):
    both = {"eau-2025", "eau-2025-copie"}
    assert both <= set(ids(index.related("eau-2024", k=4, dedupe=None)))
    box = index.related("eau-2024", k=4)
    assert len(both & set(ids(box))) == 1
    assert len(box) == 4  # the slot goes to the next story, not to nothing
    # the copy's own box does not show the original's copy either, and not itself
    assert "eau-2025-copie" not in ids(index.related("eau-2025", k=6))


def test_the_editors_links_come_first_in_their_order(index, by_id):
    box = index.related("eau-2025", k=4)
    assert [(r.id, r.reason) for r in box[:2]] == [("eau-2023", "curated"),
                                                   ("eau-2024", "curated")]
    assert all(r.reason != "curated" for r in box[2:])
    assert "curated" not in {r.reason for r in index.related("eau-2025", k=4,
                                                             curated_first=False)}
    # without curated-first, the similarity order puts eau-2024 above eau-2023
    plain = ids(index.related("eau-2025", k=4, curated_first=False, dedupe=None))
    assert plain.index("eau-2024") < plain.index("eau-2023")


def test_a_curated_link_below_the_floor_is_shown_but_never_against_a_filter():
    arts = stories()
    arts[0] = dataclasses.replace(arts[0], related=("livre-2025", "eau-2024"))
    index = RelatedIndex.build(arts)
    box = index.related("eau-2025", k=3, min_score=0.5)
    assert [(r.id, r.reason) for r in box[:2]] == [("livre-2025", "curated"),
                                                   ("eau-2024", "curated")]
    assert box[0].similarity < 0.01
    filtered = index.related("eau-2025", k=3, sections=("économie",))
    assert "livre-2025" not in ids(filtered) and filtered[0].id == "eau-2024"


def test_a_translation_is_never_related_whatever_the_languages(index):
    for rules in (QueryConfig(), PLAIN, QueryConfig(same_language=False, fallback=())):
        assert "water-2025-en" not in ids(index.related("eau-2025", k=10, query=rules))
        assert "eau-2025" not in ids(index.related("water-2025-en", k=10, query=rules))


def test_same_language_by_default(index):
    assert "water-2024-en" in ids(index.related("eau-2024", k=8, same_language=False))
    box = index.related("eau-2024", k=8)
    assert box and "water-2024-en" not in ids(box) and "water-2025-en" not in ids(box)
    english = index.related("eau-2024", k=8, same_language=False, language="en")
    assert ids(english) and all(i.startswith("water-") for i in ids(english))


def test_a_deleted_article_leaves_every_box_fallbacks_included(by_id):
    index = RelatedIndex.build(stories())
    assert "eau-2026" in ids(index.related("eau-2024", k=4))
    assert "eau-2026" in ids(index.related("livre-2025", k=4))  # the newest: a fill
    index.remove(["eau-2026"])
    for a in stories():
        if a.id != "eau-2026":
            assert "eau-2026" not in ids(index.related(a.id, k=11))


def test_a_story_with_no_related_one_gets_flagged_fills_or_nothing(index):
    box = index.related("livre-2025", k=3)
    assert len(box) == 3 and {r.reason for r in box} == {"fallback"}
    assert all(r.score == 0.0 for r in box)
    assert index.related("livre-2025", k=3, fallback=()) == []
    # newest first; section_latest before latest for a story whose section has others
    fills = [r for r in index.related("train-2025", k=4) if r.reason == "fallback"]
    economy = {"Économie", "Economie"}
    sections = {a.id: a.section for a in stories()}
    assert [sections[r.id] in economy for r in fills] == [True] * len(fills)
    only_latest = index.related("train-2025", k=4, fallback=("latest",))
    assert [r.id for r in only_latest if r.reason == "fallback"][0] == "eau-2026"


def test_an_archive_page_never_shows_later_stories(index, by_id):
    assert any(by_id[r.id].published > by_id["eau-2024"].published
               for r in index.related("eau-2024", k=5))
    box = index.related("eau-2024", k=5, only_older=True)
    assert box and all(by_id[r.id].published <= by_id["eau-2024"].published for r in box)
    assert box[0].id == "eau-2023"


def test_max_age_and_date_window(index, by_id):
    box = index.related("eau-2025", k=6, max_age_days=400, curated_first=False)
    source = by_id["eau-2025"].published
    assert box and all(source - by_id[r.id].published <= dt.timedelta(days=400) for r in box)
    assert "eau-2023" not in ids(box)
    window = index.related("eau-2026", k=6, published_after="2025-01-01",
                           published_before="2026-01-01")
    assert window and all(dt.date(2025, 1, 1) <= by_id[r.id].published < dt.date(2026, 1, 1)
                          for r in window)


def test_recency_decay_follows_its_formula(index, by_id):
    rules = QueryConfig(curated_first=False, dedupe=None, fallback=())
    plain = {r.id: r.score for r in index.related("eau-2025", k=5, query=rules)}
    decayed = index.related("eau-2025", k=5, query=rules.replace(half_life_days=180))
    source = by_id["eau-2025"].published
    for r in decayed:
        days = abs((by_id[r.id].published - source).days)
        assert r.score == pytest.approx(plain[r.id] * 0.5 ** (days / 180), rel=1e-5, abs=1e-6)
    assert ids(decayed) != list(plain)  # 2026 (315 days) passes 2023 (542 days)
    region = index.related("eau-2025", k=5, query=rules.replace(
        half_life_days=180, section_half_life_days={"regions": 1e6}))
    score = {r.id: r.score for r in region}
    assert score["eau-2026"] == pytest.approx(plain["eau-2026"], rel=1e-3)
    assert score["eau-2023"] < plain["eau-2023"] * 0.2  # other sections keep 180 days


def test_sections_and_tags_match_folded(index, by_id):
    box = index.related("eau-2024", k=6, sections=("economie",), fallback=())
    assert box and {by_id[r.id].section for r in box} <= {"Économie", "Economie"}
    assert "eau-2026" not in ids(box)  # Régions
    tagged = index.related("eau-2024", k=6, tags_any=("SÉCHERESSE",), fallback=())
    assert tagged and all("secheresse" in {normalize_tag(t) for t in by_id[r.id].tags}
                          for r in tagged)
    every = index.related("eau-2024", k=6, tags_all=("eau", "secheresse"), fallback=())
    assert ids(every) and all({"eau", "secheresse"} <= {normalize_tag(t)
                                                       for t in by_id[r.id].tags}
                              for r in every)
    assert index.related("eau-2024", k=6, tags_all=("eau", "nowhere"), fallback=()) == []
    without = index.related("eau-2024", k=6, tags_none=("Agriculture",), fallback=())
    assert without and "eau-2023" not in ids(without)


def test_exclude(index):
    assert "eau-2025" in ids(index.related("eau-2024", k=3))
    assert "eau-2025" not in ids(index.related("eau-2024", k=3, exclude=("eau-2025",)))


def test_diversity_trades_score_for_variety(index):
    rules = QueryConfig(curated_first=False, same_language=False, dedupe=None, fallback=(),
                        min_score=0.0)
    plain = index.related("eau-2024", k=3, query=rules)
    varied = index.related("eau-2024", k=3, query=rules.replace(diversity=0.7))

    def spread(items):
        X = index.vectors(ids(items))
        sims = (X @ X.T).toarray()
        return float(1 - sims[np.triu_indices(len(items), 1)].mean())

    assert ids(plain)[:2] == ["eau-2025", "eau-2025-copie"]
    assert ids(varied) != ids(plain) and spread(varied) > spread(plain)
    assert ids(varied)[0] == "eau-2025"  # the best item stays first


def test_a_three_word_french_draft_is_read_as_french(index):
    box = index.similar(Article(id="draft", title="Coupures d'eau"), k=3)
    assert box[0].id == "eau-2026" and box[0].reason == "similar"
    french = index.similar(Article(id="draft", title="Coupures d'eau", language="fr"), k=3)
    assert box == french
    # read as English, "d'eau" is one word ("deau"): the match on "eau" is lost
    english = index.similar(Article(id="draft", title="Coupures d'eau", language="en"), k=3,
                            same_language=False, fallback=())
    assert english[0].id == "eau-2026" and english[0].similarity < 0.9 * box[0].similarity


def test_explanations_name_shared_tags_and_words_and_sum_to_the_score(index):
    box = index.related("eau-2024", k=3, explain=True, curated_first=False)
    first = box[0]
    assert first.id == "eau-2025" and first.explanation is not None
    e = first.explanation
    assert e["shared_tags"] == ("Eau",)  # as the source spells it
    assert "sécheresse" in e.shared_terms or "barrages" in e.shared_terms
    assert all(" " not in t and t == t.lower() for t in e.shared_terms)
    assert not {"secheress", "barrag"} & set(e.shared_terms)  # words, not stems
    assert sum(e.parts.values()) == pytest.approx(first.score, abs=2e-3)
    assert set(e.parts) == {"text", "title", "tags", "time", "hub"}
    assert index.related("eau-2024", k=3)[0].explanation is None


def test_every_field_is_a_keyword_and_unknown_ones_are_named(index):
    index.related("eau-2024", k=2, tags_any=("Eau",), min_score=0.05, language="fr")
    with pytest.raises(TypeError, match="tag_any"):
        index.related("eau-2024", k=2, tag_any=("Eau",))
    with pytest.raises(ConfigError, match="dedupe"):
        index.related("eau-2024", k=2, dedupe=1.5)
    with pytest.raises(ConfigError, match="fallback"):
        QueryConfig(fallback=("popular",))


def test_the_default_rules_are_stored_with_the_index_and_read_from_toml(tmp_path):
    (tmp_path / "site.toml").write_text(
        "[build]\nn_neighbors = 8\n\n[query]\nmin_score = 0.05\nonly_older = true\n"
        'fallback = ["latest"]\nsection_half_life_days = { Sport = 7 }\n', encoding="utf-8")
    rules = QueryConfig.from_toml(tmp_path / "site.toml")
    assert rules.min_score == 0.05 and rules.only_older and rules.fallback == ("latest",)
    assert rules.section_half_life_days == (("Sport", 7.0),)
    index = RelatedIndex.build(stories(), query=rules)
    index.save(tmp_path / "idx")
    loaded = RelatedIndex.load(tmp_path / "idx")
    assert loaded.query == rules
    assert loaded.related("eau-2024", k=5) == index.related("eau-2024", k=5)
    assert loaded.related("eau-2024", k=5) != loaded.related("eau-2024", k=5,
                                                             only_older=False)
    with pytest.raises(ConfigError, match=r"site2.toml \[query\].*min_scor"):
        (tmp_path / "site2.toml").write_text("[query]\nmin_scor = 1\n", encoding="utf-8")
        QueryConfig.from_toml(tmp_path / "site2.toml")


def test_filters_that_leave_too_few_stored_candidates_search_every_article():
    index = RelatedIndex.build(stories(), RelatedIndex.build(stories()).config.replace(
        n_neighbors=2))
    box = index.related("eau-2024", k=3, tags_any=("Agriculture",), fallback=(),
                        same_language=False, min_score=0.0)
    # the stored two are eau-2025 and its copy; the Agriculture stories lie beyond them
    assert ids(box) == ["eau-2023", "water-2024-en"]


# -- properties over any rules ------------------------------------------------------------

_TAGS = ["Eau", "sécheresse", "Agriculture", "Sport", "Transport", "Water", "nowhere"]
_SECTIONS = ["économie", "Sport", "Régions", "Culture", "Economy"]
rules_strategy = st.builds(
    QueryConfig,
    min_score=st.sampled_from([0.0, 0.01, 0.05, 0.3]),
    only_older=st.booleans(),
    max_age_days=st.sampled_from([None, 30.0, 400.0]),
    half_life_days=st.sampled_from([None, 30.0, 365.0]),
    same_language=st.booleans(),
    sections=st.lists(st.sampled_from(_SECTIONS), max_size=2).map(tuple),
    tags_any=st.lists(st.sampled_from(_TAGS), max_size=2).map(tuple),
    tags_none=st.lists(st.sampled_from(_TAGS), max_size=1).map(tuple),
    exclude=st.lists(st.sampled_from([a.id for a in stories()]), max_size=2).map(tuple),
    dedupe=st.sampled_from([None, 0.9, 0.5]),
    diversity=st.sampled_from([0.0, 0.3, 0.9]),
    curated_first=st.booleans(),
    fallback=st.sampled_from([(), ("latest",), ("section_latest", "latest")]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules_strategy, source=st.sampled_from([a.id for a in stories()]),
       k=st.integers(1, 8))
def test_every_box_keeps_every_rule(index, by_id, rules, source, k):
    box = index.related(source, k=k, query=rules)
    src = by_id[source]
    assert len(box) <= k
    assert len(set(ids(box))) == len(box) and source not in ids(box)
    reasons = [r.reason for r in box]
    assert reasons == sorted(reasons, key=["curated", "similar", "fallback"].index)
    if not rules.curated_first:
        assert "curated" not in reasons
    if not rules.fallback:
        assert "fallback" not in reasons
    original = src.translation_of or source
    group = {original} | {a.id for a in stories() if a.translation_of == original}
    for r in box:
        a = by_id[r.id]
        assert r.id not in group and r.id not in rules.exclude
        if r.reason == "curated":
            assert r.id in src.related
        if r.reason == "similar":
            assert r.similarity >= rules.min_score - 1e-3
        if rules.only_older:
            assert a.published <= src.published
        if rules.max_age_days is not None:
            assert (src.published - a.published).days <= rules.max_age_days
        if rules.same_language:
            assert a.language == src.language
        if rules.sections:
            assert normalize_tag(a.section) in {normalize_tag(s) for s in rules.sections}
        folded = {normalize_tag(t) for t in a.tags}
        if rules.tags_any:
            assert folded & {normalize_tag(t) for t in rules.tags_any}
        assert not folded & {normalize_tag(t) for t in rules.tags_none}
    if rules.dedupe is not None:
        X = index.vectors(ids(box)) if box else None
        if X is not None:
            sims = (X @ X.T).toarray()
            off = sims[~np.eye(len(box), dtype=bool)]
            assert not len(off) or off.max() < rules.dedupe + 2e-3


def test_same_section_builds_fold_section_names_too():
    arts = [Article("a", "barrages sécheresse eau", section="Économie"),
            Article("b", "barrages sécheresse pluie", section="economie"),
            Article("c", "barrages sécheresse", section="Sport")]
    index = RelatedIndex.build(arts, BuildConfig(same_section=True, max_df=1.0))
    assert ids(index.related("a", k=2, fallback=())) == ["b"]
    draft = Article("d", "barrages sécheresse", section="ECONOMIE")
    assert set(ids(index.similar(draft, k=3, fallback=()))) == {"a", "b"}


@pytest.mark.parametrize("changes", [
    {"sections": ("Sport",)}, {"sections": "Sport,Culture"}, {"half_life_days": "30"},
    {"published_after": "2024-01-02", "min_score": 0.2},
    {"section_half_life_days": "Sport=7,Culture=365"}, {"exclude": ["a", "b"]},
])
def test_replace_coerces_only_the_changes_as_from_dict_would(changes):
    rules = QueryConfig(half_life_days=90, tags_any=("eau",), diversity=0.3)
    assert rules.replace(**changes) == QueryConfig.from_dict({**rules.to_dict(), **changes})


@pytest.mark.parametrize("changes, message", [
    ({"half_life_days": "soon"}, "half_life_days"), ({"min_score": 2.0}, "min_score"),
    ({"colour": "red"}, "unknown query setting"),
])
def test_replace_names_the_bad_option(changes, message):
    with pytest.raises(ConfigError, match=message):
        QueryConfig().replace(**changes)
