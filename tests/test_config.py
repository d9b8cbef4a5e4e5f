"""BuildConfig's values: every field is coerced as its annotation says, from any source."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from recommender.config.build import BuildConfig, coerce_value
from recommender.config.values import coerce, member_types
from recommender.errors import ConfigError

HINTS = typing.get_type_hints(BuildConfig)
FIELDS = [f.name for f in dataclasses.fields(BuildConfig)]


def _members(annotation: object) -> tuple[set[object], bool]:
    """The annotation's types, read here independently of the code under test."""
    members = set(typing.get_args(annotation)) or {annotation}
    return members - {type(None)}, type(None) in members


@pytest.mark.parametrize("field", FIELDS)
def test_coercion_follows_the_annotation(field: str) -> None:
    kinds, optional = _members(HINTS[field])
    default = getattr(BuildConfig(), field)
    if default is not None:  # the default survives a trip through text (environment, --set)
        text = str(default).lower() if isinstance(default, bool) else str(default)
        back = coerce_value(field, text, "env")
        assert back == default and type(back) is type(default)
    if optional:
        assert coerce_value(field, "", "env") is None
        assert coerce_value(field, None, "env") is None
    else:
        with pytest.raises(ConfigError, match=f"^env: setting {field} cannot be empty$"):
            coerce_value(field, "", "env")
    if kinds == {bool}:
        assert coerce_value(field, "yes") is True and coerce_value(field, "OFF") is False
        assert coerce_value(field, False) is False
        with pytest.raises(ConfigError, match=f"env: expected true or false for {field}, "
                                              "got 'maybe'"):
            coerce_value(field, "maybe", "env")
    elif kinds == {str}:
        assert coerce_value(field, "none") == "none"  # text is taken as it is
        with pytest.raises(ConfigError, match=f"toml: expected text for {field}, got 3"):
            coerce_value(field, 3, "toml")
    elif kinds == {float}:
        value = coerce_value(field, 2)  # an int where a float is meant
        assert value == 2.0 and type(value) is float
        assert coerce_value(field, "0.25") == 0.25
    elif kinds == {int}:
        assert coerce_value(field, "7") == 7 and coerce_value(field, "-3") == -3
        value = coerce_value(field, 7.0)
        assert value == 7 and type(value) is int
        with pytest.raises(ConfigError, match=f"env: expected a whole number for {field}, "
                                              "got 1.5"):
            coerce_value(field, "1.5", "env")
    elif kinds == {int, float}:
        assert type(coerce_value(field, "3")) is int and coerce_value(field, "0.5") == 0.5
    elif kinds == {int, str}:  # a number or a word: numbers stay numbers, text is the field's
        assert coerce_value(field, 7, "toml") == 7 and coerce_value(field, "7") == "7"
        assert BuildConfig.from_dict({field: "7"}, source="env") == \
            BuildConfig.from_dict({field: 7}, source="toml")
    else:
        pytest.fail(f"add a case for {HINTS[field]!r} to this test")
    if kinds & {int, float} and str not in kinds:
        for bad in ("lots", True):
            with pytest.raises(ConfigError, match=f"env: expected a number for {field}, "
                                                  f"got {bad!r}"):
                coerce_value(field, bad, "env")
    if optional and str not in kinds:
        assert coerce_value(field, "none") is None and coerce_value(field, "NULL") is None
    elif str not in kinds:
        with pytest.raises(ConfigError, match=f"setting {field} cannot be empty"):
            coerce_value(field, "none")


@pytest.mark.parametrize("field", FIELDS)
def test_from_dict_reads_back_to_dict_and_text(field: str) -> None:
    config = BuildConfig(language="none", max_features=10, query_terms=5)
    assert BuildConfig.from_dict(config.to_dict()) == config
    value = config.to_dict()[field]
    text = str(value).lower() if isinstance(value, bool) else str(value)
    assert BuildConfig.from_dict({field: text}, source="env") == BuildConfig().replace(
        **{field: value})


def test_a_new_annotation_needs_no_table_entry() -> None:
    assert member_types(int | None) == ((int,), True)
    assert member_types(float) == ((float,), False)
    assert coerce("beam", "4", int | None) == 4
    assert coerce("beam", "null", typing.Optional[int]) is None  # noqa: UP045 - old spelling
    assert coerce("ratio", 1, float | None) == 1.0
    with pytest.raises(TypeError, match="cannot coerce settings to list"):
        member_types(list[str])


def test_unknown_setting_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"--sweep: unknown setting 'speed'; valid settings "
                                          r"are language, title_weight"):
        coerce_value("speed", "1", "--sweep")


def test_errors_name_the_source_and_the_field() -> None:
    with pytest.raises(ConfigError, match=r"^build.toml: expected a number for min_df, "
                                          r"got 'many'$"):
        BuildConfig.from_dict({"min_df": "many"}, source="build.toml")
    with pytest.raises(ConfigError, match=r"^build.toml: expected n_neighbors >= 1"):
        BuildConfig.from_dict({"n_neighbors": "0"}, source="build.toml")
