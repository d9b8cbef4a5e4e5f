"""Tests for recommender.analysis: analyzers, tag normalisation, language detection."""

from __future__ import annotations

import pickle
import sys
import threading
import unicodedata

import joblib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.analysis import (
    Analyzer,
    available_languages,
    detect_language,
    fold_accents,
    get_analyzer,
    normalize_tag,
    normalize_tags,
    register_language,
)
from recommender.analysis import languages as languages_module
from recommender.errors import (
    ConfigError,
    ConfigTypeError,
    IndexFormatError,
    RecommenderError,
    UnknownLanguageError,
)

# Sentences copied from the seed article (Bladi.net, 26 September 2020).
SEED_1 = (
    "Le directeur général de la Sûreté nationale, Abdellatif Hammouchi, a reçu "
    "l’ambassadeur des États-Unis au Maroc."
)
SEED_2 = "La coopération bilatérale sécuritaire était au menu de leurs échanges ce jeudi à Rabat."
SEED_3 = (
    "Les deux parties ont également passé en revue les mécanismes de développement et de "
    "renforcement de la coopération entre les services de la DGSN et la DGST."
)
SEED_TAG = "Direction générale de la surveillance du territoire (DGST)"
EN_1 = "The director general received the ambassador of the United States in Morocco."

APOSTROPHES = "'\u2019\u2018\u02bc`\u00b4"


@pytest.fixture
def fr() -> Analyzer:
    return Analyzer("fr")


@pytest.fixture
def en() -> Analyzer:
    return Analyzer("en")


@pytest.fixture
def scratch_language():
    """Register test languages and remove them afterwards so tests stay independent."""
    before = dict(languages_module._REGISTRY)
    yield register_language
    languages_module._REGISTRY.clear()
    languages_module._REGISTRY.update(before)


# --- golden token lists ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SEED_1,
            ["directeur", "general", "suret", "national", "abdel", "hammouch", "recu"]
            + ["ambassadeur", "etat", "unis", "maroc"],
        ),
        (SEED_2, ["cooper", "bilateral", "securitair", "menu", "echang", "jeud", "rabat"]),
        (
            SEED_3,
            ["deux", "part", "egal", "pass", "revu", "mecan", "developp", "renforc", "cooper"]
            + ["servic", "dgsn", "dgst"],
        ),
        (
            "Abdellatif Hammouchi réalise le rêve de trois sœurs (vidéo)",
            ["abdel", "hammouch", "realis", "rev", "trois", "soeur", "video"],
        ),
        (
            "Lorsqu'on parle d'aujourd'hui, puisqu'il le faut, quoiqu'elle en dise : a-t-il dit ?",
            ["parl", "aujourdhui", "faut", "dis", "dit"],
        ),
    ],
)
def test_french_golden(fr: Analyzer, text: str, expected: list[str]) -> None:
    assert fr(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EN_1, ["director", "general", "receiv", "ambassador", "unit", "state", "morocco"]),
        (
            "The President's allies didn't say whether they'd won the students' votes.",
            ["presid", "alli", "say", "won", "student", "vote"],
        ),
        (
            "O'Brien's rock'n'roll band can't stop running; it's 3.5 times bigger than in 2020.",
            ["obrien", "rocknrol", "band", "stop", "run", "3.5", "time", "bigger", "2020"],
        ),
        (
            "Organizations organize meetings about connected connections.",
            ["organiz", "organiz", "meet", "connect", "connect"],
        ),
    ],
)
def test_english_golden(en: Analyzer, text: str, expected: list[str]) -> None:
    assert en(text) == expected


def test_english_contractions_without_stop_words() -> None:
    # Clitics go even when stop words stay: "'s" is possessive, "n't" is negation.
    assert Analyzer("en", stop_words=False, stem=False)("John's dog doesn't bark") == [
        "john",
        "dog",
        "does",
        "bark",
    ]


def test_none_language_only_tokenises_and_folds() -> None:
    assert Analyzer("none")("Les États-Unis, les ÉTATS, 2020 ; l’État") == [
        "les",
        "etats",
        "unis",
        "les",
        "etats",
        "2020",
        "letat",
    ]


def test_switches_change_only_their_step() -> None:
    assert Analyzer("fr", stem=False)(SEED_2) == [
        "cooperation",
        "bilaterale",
        "securitaire",
        "menu",
        "echanges",
        "jeudi",
        "rabat",
    ]
    no_stop = Analyzer("fr", stop_words=False)("la coopération était au menu")
    assert no_stop == ["la", "cooper", "etait", "au", "menu"]


# --- elision, apostrophes, hyphens, numbers, accents ----------------------------------


@pytest.mark.parametrize("apostrophe", list(APOSTROPHES))
def test_french_elision_with_every_apostrophe(fr: Analyzer, apostrophe: str) -> None:
    text = "l'ambassadeur d'Israël qu'il jusqu'à lorsqu'on".replace("'", apostrophe)
    assert fr(text) == ["ambassadeur", "israel"]


@pytest.mark.parametrize("apostrophe", list(APOSTROPHES))
def test_inner_apostrophes_of_every_kind_are_equivalent(fr: Analyzer, apostrophe: str) -> None:
    assert fr("aujourd'hui presqu'île".replace("'", apostrophe)) == ["aujourdhui", "presquil"]


def test_elision_is_french_only(en: Analyzer) -> None:
    # English has no elided articles: "d'" only disappears as part of a joined word.
    assert en("d'Artagnan") == ["dartagnan"]


def test_hyphenated_compounds_emit_their_parts(fr: Analyzer) -> None:
    # Parts, not the compound: "États-Unis" then shares "etat" with "les États".
    assert fr("les États-Unis") == ["etat", "unis"]
    assert fr("les États")[0] == fr("États-Unis")[0]
    assert fr("a-t-il") == []  # "t" is one character, "il" a stop word


def test_numbers_keep_decimal_separators_but_split_on_spaces(fr: Analyzer) -> None:
    text = "Le taux passe de 3,5 % à 3.5 %, soit 20 000 euros en 2020 et 1.000.000."
    assert fr(text) == ["taux", "pass", "3,5", "3.5", "20", "000", "euros", "2020", "1.000.000"]


def test_one_character_tokens_dropped_except_digits(en: Analyzer) -> None:
    assert en("x y 7 z 0") == ["7", "0"]


def test_stop_words_match_without_accents(fr: Analyzer) -> None:
    assert fr("étaient etaient ETAIENT ÉTAIENT été ete où ou") == []


def test_accent_folding_happens_after_stemming(fr: Analyzer) -> None:
    # The French stemmer reads accents: "-ité" is a suffix, "-ite" is not. So a correctly
    # accented word and its unaccented spelling can stem differently...
    assert fr("sécurité") == ["secur"]
    assert fr("securite") == ["securit"]
    # ...while case never matters, and when the stems agree the folded forms do too.
    assert fr("SÉCURITÉ") == fr("Sécurité") == ["secur"]
    assert fr("États") == fr("Etats") == ["etat"]
    assert fr("réalisé") == fr("realise") == ["realis"]


def test_ligatures_are_folded(fr: Analyzer) -> None:
    assert fr("sœurs œuvre Cæsar") == ["soeur", "oeuvr", "caesar"]


def test_compatibility_forms_are_normalised(en: Analyzer) -> None:
    # NFKC: ligature "ﬁ", full-width letters, no-break and narrow no-break spaces.
    assert en("ﬁnance") == en("finance") == ["financ"]
    assert en("ＵＮＩＴＥＤ") == en("united")
    assert en("new\u00a0york\u202fcity") == ["new", "york", "citi"]


def test_fold_accents() -> None:
    assert fold_accents("Ça déçoit Łódź, Straße") == "Ca decoit Lodz, Strasse"
    assert fold_accents("e\u0301") == "e"  # decomposed input too


# --- language registry ------------------------------------------------------------------


def test_available_languages() -> None:
    assert {"en", "fr", "none"} <= set(available_languages())


def test_unknown_language_names_it_and_the_known_ones() -> None:
    with pytest.raises(UnknownLanguageError, match=r"unknown language 'xx'; available: .*en, fr"):
        Analyzer("xx")
    with pytest.raises(ValueError, match="unknown language 'klingon'"):  # still a ValueError
        get_analyzer("klingon")
    with pytest.raises(ConfigError, match=r"'De-AT'.*register_language\(\) to add one"):
        languages_module.get_language("De-AT")  # the value as given, and the remedy
    with pytest.raises(ConfigTypeError, match="language must be a str such as 'fr', got 3"):
        get_analyzer(3)  # type: ignore[arg-type]


def test_language_errors_are_recommender_errors() -> None:
    for error in (UnknownLanguageError, ConfigTypeError):
        assert issubclass(error, RecommenderError) and issubclass(error, ConfigError)
    assert issubclass(ConfigTypeError, TypeError)  # `except TypeError` keeps working


def test_region_subtags_and_case_are_ignored() -> None:
    assert Analyzer("FR-ca") == Analyzer("fr")
    assert Analyzer("en_GB").language == "en"


def test_register_language_makes_a_language_pluggable(scratch_language) -> None:
    scratch_language("it", frozenset({"il", "della"}), "italian", frozenset({"dell"}))
    assert "it" in available_languages()
    assert Analyzer("it")("Il ministro dell'economia della Repubblica") == [
        "ministr",
        "econom",
        "repubbl",
    ]


def test_register_language_rejects_bad_input(scratch_language) -> None:
    with pytest.raises(ConfigError, match="unknown Snowball stemmer 'elvish'; choose one of"):
        scratch_language("el", frozenset(), "elvish")
    with pytest.raises(ConfigError, match="bare code such as 'de', got 'de-AT'"):
        scratch_language("de-AT", frozenset(), "german")
    with pytest.raises(ConfigTypeError, match="not a str"):
        scratch_language("de", "der die das", "german")
    with pytest.raises(ConfigError, match="empty elision or clitic \"'\""):
        scratch_language("de", frozenset(), "german", frozenset({"'"}))
    with pytest.raises(ConfigTypeError, match="language must be a str"):
        scratch_language(None, frozenset(), None)
    with pytest.raises(ConfigError, match="'Auto' is reserved: the language setting 'auto' "
                                          "detects"):
        scratch_language("Auto", frozenset(), None)
    assert not {"el", "de", "auto"} & set(available_languages())


def test_get_analyzer_is_shared_per_parameters() -> None:
    assert get_analyzer("fr") is get_analyzer("fr-FR")
    assert get_analyzer("fr") is not get_analyzer("fr", stem=False)
    assert get_analyzer("fr", stem=False) == Analyzer("fr", stem=False)


def test_reregistering_gives_a_new_shared_analyzer(scratch_language) -> None:
    scratch_language("zz", frozenset({"foo"}), None)
    first = get_analyzer("zz")
    assert first("foo bar") == ["bar"]
    scratch_language("zz", frozenset({"bar"}), None)
    assert get_analyzer("zz")("foo bar") == ["foo"]
    assert get_analyzer("zz") != first


# --- equality, repr, pickling, cache, threads --------------------------------------------


def test_eq_and_repr_by_parameters() -> None:
    assert Analyzer("fr") == Analyzer("fr")
    assert hash(Analyzer("fr")) == hash(Analyzer("fr"))
    assert Analyzer("fr") != Analyzer("fr", stop_words=False)
    assert Analyzer("fr") != Analyzer("en")
    assert repr(Analyzer("fr", stem=False)) == "Analyzer('fr', stem=False, stop_words=True)"


@pytest.mark.parametrize("language", ["fr", "en", "none"])
def test_pickle_and_joblib_round_trip(tmp_path, language: str) -> None:
    analyzer = Analyzer(language)
    before = analyzer(SEED_1 + " " + EN_1)  # warms the cache and creates the stemmer
    for clone in (
        pickle.loads(pickle.dumps(analyzer)),  # noqa: S301 - our own bytes
        joblib.load(joblib.dump(analyzer, tmp_path / f"{language}.joblib")[0]),
    ):
        assert clone == analyzer
        assert clone(SEED_1 + " " + EN_1) == before
    # The token cache is rebuilt after loading, never stored in the index.
    assert len(pickle.dumps(analyzer)) == len(pickle.dumps(Analyzer(language)))


def test_analyzer_state_of_another_release_is_an_index_format_error() -> None:
    state = {**Analyzer("fr").__getstate__(), "version": 99}
    with pytest.raises(IndexFormatError, match="state version 99 .*rebuild the index"):
        Analyzer.__new__(Analyzer).__setstate__(state)


def test_pickled_analyzer_keeps_its_spec(scratch_language) -> None:
    scratch_language("zz", frozenset({"foo"}), None)
    blob = pickle.dumps(Analyzer("zz"))
    scratch_language("zz", frozenset({"bar"}), None)
    loaded = pickle.loads(blob)  # noqa: S301 - our own bytes
    assert loaded("foo bar") == ["bar"]  # analyses as when it was saved


def test_cache_stays_bounded_and_correct() -> None:
    small = Analyzer("fr")
    small.CACHE_SIZE = 20
    texts = [SEED_1, SEED_2, SEED_3, EN_1] * 3
    outputs = [small(text) for text in texts]
    unbounded = Analyzer("fr")
    assert outputs == [unbounded(text) for text in texts]
    assert len(unbounded._cache) > 50  # the texts hold more distinct tokens than the bound
    assert 0 < len(small._cache) <= 20


def test_shared_analyzer_is_thread_safe() -> None:
    texts = [f"{SEED_1} {SEED_3} mot{i} coopérations{i}" for i in range(40)]
    expected = [Analyzer("fr")(text) for text in texts]
    shared = Analyzer("fr")
    results: dict[int, list[str]] = {}

    def work(offset: int) -> None:
        for i in range(offset, len(texts), 4):
            results[i] = shared(texts[i])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(len(texts))] == expected


def test_pure_python_stemmer_fallback_gives_the_same_tokens(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "Stemmer", None)  # makes `import Stemmer` fail
    fallback = Analyzer("fr")
    assert fallback(SEED_1 + " " + SEED_3) == Analyzer("fr")(SEED_1 + " " + SEED_3)
    assert type(fallback._stemmer).__module__.startswith("snowballstemmer")


def test_non_str_input_is_a_type_error(fr: Analyzer) -> None:
    with pytest.raises(TypeError, match="expects a str, got NoneType"):
        fr(None)  # type: ignore[arg-type]


# --- tags -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (SEED_TAG, "direction generale de la surveillance du territoire (dgst)"),
        ("#États-Unis ", "etats-unis"),
        ("  Abdellatif   Hammouchi\u00a0", "abdellatif hammouchi"),
        ("##Diplomatie", "diplomatie"),
        ("«Covid-19» !", "covid-19"),
        ("L’Oréal", "l'oreal"),
        ("(DGST)", "dgst"),
        ("DGST)", "dgst"),
        ("C#", "c#"),
        ("C++", "c++"),
        ("ＦＯＯＴ", "foot"),
        ("Œuvres d'art", "oeuvres d'art"),
        ("...", ""),
        ("", ""),
    ],
)
def test_normalize_tag(tag: str, expected: str) -> None:
    assert normalize_tag(tag) == expected


def test_normalize_tags_dedupes_in_order_and_drops_empty() -> None:
    tags = ["Maroc", "maroc ", "#MAROC", "", "  ", "États-Unis", "etats-unis", "Diplomatie"]
    assert normalize_tags(tags) == ("maroc", "etats-unis", "diplomatie")
    assert normalize_tags(iter(["A b", "a  B"])) == ("a b",)


def test_normalize_tags_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError, match="wrap it in a list"):
        normalize_tags("Maroc")


def test_a_tag_differs_from_its_parts() -> None:
    # Tags are matched whole: the compound does not collapse into "etats".
    assert normalize_tag("États-Unis") != normalize_tag("États")


# --- language detection -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (SEED_1, "fr"),
        (SEED_2, "fr"),
        ("Abdellatif Hammouchi reçoit l’ambassadeur des États-Unis", "fr"),
        (EN_1, "en"),
        ("Morocco and the United States discussed their security cooperation.", "en"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text, default="xx") == expected


@pytest.mark.parametrize("text", ["", "   ", "Maroc", "Hammouchi DGST", "12 34 56 78", "ok ok"])
def test_detect_language_falls_back_on_short_or_signal_free_text(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, default="fr") == "fr"


def test_detect_language_candidates() -> None:
    assert detect_language(SEED_1, candidates=("en",), default="none") == "none"
    assert detect_language(EN_1, candidates=("fr", "en")) == "en"
    with pytest.raises(UnknownLanguageError, match="unknown language 'xx'"):
        detect_language(SEED_1, candidates=("fr", "xx"))


def test_detect_language_on_a_tie_returns_default() -> None:
    # "on" and "a"... both lists: no side wins.
    assert detect_language("on a on a", default="xx") == "xx"


# --- properties ---------------------------------------------------------------------------

LANGUAGES = st.sampled_from(["fr", "en", "none"])
# Mostly text that looks like text, plus fully arbitrary Unicode.
TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(list("aeiouéèçœAÉ l'’-.,0123#\u00a0\u0301")), max_size=60),
)


@settings(max_examples=300, deadline=None)
@given(language=LANGUAGES, text=TEXTS)
def test_tokens_are_clean(language: str, text: str) -> None:
    for token in get_analyzer(language)(text):
        assert token
        assert token == token.casefold()  # casefold is Unicode's "lower case for matching"
        assert not any(ch.isspace() for ch in token)
        assert not any(ch in APOSTROPHES for ch in token)
        assert not any(unicodedata.category(ch).startswith("M") for ch in token)


@settings(max_examples=200, deadline=None)
@given(language=LANGUAGES, first=TEXTS, second=TEXTS)
def test_analysis_is_local_and_cache_independent(language: str, first: str, second: str) -> None:
    # A warm shared cache and a fresh analyzer agree, and texts analyse piece by piece.
    shared = get_analyzer(language)
    assert Analyzer(language)(first + " " + second) == shared(first) + shared(second)


@settings(max_examples=300, deadline=None)
@given(tag=st.one_of(st.text(), st.text(alphabet=st.sampled_from(list("#(){} .-'’«»éÉœa")))))
def test_normalize_tag_is_idempotent_and_clean(tag: str) -> None:
    once = normalize_tag(tag)
    assert normalize_tag(once) == once
    assert once == once.strip() and "  " not in once and not once.startswith("#")
    assert once == once.casefold()
    assert not any(unicodedata.category(ch).startswith("M") for ch in once)


@settings(max_examples=100, deadline=None)
@given(text=st.text())
def test_detect_language_never_raises(text: str) -> None:
    assert detect_language(text, default="xx") in {*available_languages(), "xx"}


def _fold_reference(text: str) -> str:
    """fold_accents' general path alone: every mark (category M*) dropped."""
    import unicodedata

    from recommender.analysis._unicode import _LIGATURES

    text = unicodedata.normalize("NFD", text.translate(_LIGATURES))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in text if unicodedata.category(ch)[0] != "M"))


@given(st.text(alphabet=st.sampled_from(
    list("aeioucnAEZ'- ") + ["é", "è", "ê", "ë", "à", "ç", "ñ", "ø", "œ", "ß", "ǰ", "Å",
                             "Ω", "й", "ё", "ح", "한", "\u0301", "\u1dc0", "\u20d7", "ḯ"]),
    max_size=12))
def test_latin_fast_path_of_fold_accents_equals_the_general_path(text):
    from recommender.analysis._unicode import fold_accents

    assert fold_accents(text) == _fold_reference(text)


#: characters where the byte path of the tokenizer could go wrong: apostrophes, the
#: digit joiners, underscores, whitespace, Latin-1 letters and signs, letters, digits and
#: separators outside Latin-1
_TOKEN_ALPHABET = (list("ab z09'.,_-\n\t") + ["é", "ÿ", "ª", "µ", "²", "¼", "×", "÷", "«", "\xa0",
                                          "\x85", "œ", "—", "€", "…", "й", "٣", "\u0301",
                                          "\xc0", "\xc1", "\xc2", "Œ"])


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(_TOKEN_ALPHABET), max_size=30))
def test_byte_path_of_the_tokenizer_equals_the_regex(text):
    """token_keys gives TOKEN_RE.findall's tokens, as bytes or str, on any text."""
    from recommender.analysis.tokenizer import TOKEN_RE, token_keys, token_text

    keys = token_keys(text)
    assert [token_text(k) for k in keys] == TOKEN_RE.findall(text)
    assert len({type(k) for k in keys}) <= 1


def test_byte_path_is_taken_for_latin_text_and_left_when_it_cannot_apply():
    from recommender.analysis.tokenizer import token_keys

    assert token_keys("l'été — 20 € à «paris»") == [b"l'\xe9t\xe9", b"20", b"\xe0", b"paris"]
    assert token_keys("cœur") == [b"c\xc0ur"]  # œ has a stand-in
    assert token_keys("москва") == ["москва"]  # a letter outside Latin-1
    assert token_keys("\xc0 cœur") == ["\xc0", "cœur"]  # a stand-in in the text itself
    assert token_keys("3,5 millions") == [b"3\xc25", b"millions"]  # a joining comma's stand-in
    assert token_keys("1.5a b") == ["1.5", "a", "b"]  # a joined number run into a letter
    assert get_analyzer("fr").token_keys("L’ÉTÉ") == [b"l'\xe9t\xe9"]


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(_TOKEN_ALPHABET), max_size=30))
def test_latin_letter_words_equal_the_regex(text):
    import re

    from recommender.analysis.tokenizer import latin_letter_words, token_text

    words = latin_letter_words(text)
    if words is not None:
        assert [token_text(w) for w in words] == re.findall(r"[^\W\d_]+", text)


_WORDS = ["le", "la", "de", "the", "of", "and", "être", "déjà", "où", "über", "cœur", "été", "\xc0",
          "rates", "barrage", "jusqu'", "l'eau", "2024", "—", "€", "москва"]


@given(st.lists(st.sampled_from(_WORDS), max_size=25))
def test_detection_by_bytes_equals_detection_by_the_regex(words):
    """detect_language reads Latin-1 text as bytes; the regex alone gives the same answer."""
    import recommender.analysis.detect as detect

    text = " ".join(words)
    fast = detect_language(text, default="?")
    original = detect.latin_letter_words
    try:
        detect.latin_letter_words = lambda _text: None
        assert detect_language(text, default="?") == fast
    finally:
        detect.latin_letter_words = original


def test_remembered_words_analyse_as_words_met_in_text(monkeypatch):
    """A warm-up's words (and the language's stop words) are analysed ahead, exactly as a
    text would have them analysed, and the cache keeps room for texts."""
    from recommender.analysis.analyzer import Analyzer

    stop_words = Analyzer("fr")._spec.stop_words
    monkeypatch.setattr(Analyzer, "CACHE_SIZE", 2 * (len(stop_words) + 4))
    warm, cold = Analyzer("fr"), Analyzer("fr")
    words = ["barrages", "sécheresse", "l'eau", "les", "x", "rabat"]
    added = warm.remember(words)
    # half the cache: every stop word, then the first 4 words that are not one
    assert added == len(stop_words) + 4
    assert set(warm._cache) == set(stop_words) | {"barrages", "sécheresse", "l'eau", "x"}
    for token, value in warm._cache.items():
        assert value == " ".join(cold.index_terms(token))
    assert warm.remember(["autre"]) == 0  # no room left
    text = "Les barrages et la sécheresse à Rabat"
    assert warm(text) == cold(text)


def test_warm_analyzers_feed_the_index_vocabulary():
    from recommender import RelatedIndex
    from recommender.analysis.analyzer import get_analyzer
    from recommender.records import Article

    articles = [Article(id=str(i), title=f"Barrages {i}", body="La sécheresse frappe les "
                        "barrages du Maroc", language="fr") for i in range(3)]
    index = RelatedIndex.build(articles)
    analyzer = get_analyzer("fr", stem=index.config.stem,
                            stop_words=index.config.stop_words)
    analyzer._cache.clear()
    index.warm()
    assert {"barrages", "sécheresse", "maroc"} <= set(analyzer._cache)
