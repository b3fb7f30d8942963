"""The config file: keys of older configs still read with a warning, and the example file as the defaults."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import ConfigDeprecation, ConfigError, SearchConfig, Settings, load_settings
from index import SearchSettings
from tests.helpers import ROOT

OLD = 'sources = ["notes"]\n[discord]\nallow_private_urls = true\n'


def test_older_keys_are_read_with_a_warning_saying_where_they_moved(tmp_path: Path) -> None:
    config = tmp_path / "briefbot.toml"
    config.write_text(OLD, encoding="utf-8")
    with pytest.warns(ConfigDeprecation) as caught:
        settings = load_settings(config)
    assert settings.sources.paths == [tmp_path / "notes"]  # still relative to the file
    assert settings.sources.allow_private_urls is True
    assert sorted(str(w.message).split(" is deprecated")[0].split(": ", 1)[1] for w in caught) == [
        "`allow_private_urls` in [discord]", "the top-level `sources` list"]
    assert all("[sources]" in str(w.message) for w in caught)


def test_allow_private_urls_in_both_sections_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "briefbot.toml"
    config.write_text("[sources]\nallow_private_urls = false\n[discord]\nallow_private_urls = true\n")
    with pytest.warns(ConfigDeprecation), pytest.raises(ConfigError, match="keep the one in \\[sources\\]"):
        load_settings(config)


def test_the_cli_shows_a_deprecated_key_as_one_warning_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BRIEFBOT_DATA_DIR", raising=False)
    config = tmp_path / "briefbot.toml"
    config.write_text(f'data_dir = "data"\n{OLD}', encoding="utf-8")
    (tmp_path / "notes").mkdir()
    assert main(["sources", "--config", str(config)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"briefbot: warning: config {config}: the top-level `sources` list is deprecated; use `paths` in the "
        "[sources] section",
        f"briefbot: warning: config {config}: `allow_private_urls` in [discord] is deprecated; use "
        "`allow_private_urls` in [sources] (it rules the CLI too)",
    ]


def test_the_example_config_is_current_and_says_the_defaults(recwarn: pytest.WarningsRecorder) -> None:
    example = load_settings(ROOT / "config.example.toml")
    assert not [w for w in recwarn if issubclass(w.category, ConfigDeprecation)]
    defaults = Settings()
    assert example.sources == defaults.sources and example.passage_words == defaults.passage_words
    assert example.store == defaults.store
    assert example.search == defaults.search
    assert example.servers == defaults.servers
    assert example.discord.moderator_roles == defaults.discord.moderator_roles


def test_search_defaults_are_the_cores() -> None:
    core = SearchSettings()
    config = SearchConfig()
    assert config.to_settings() == core
    example = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))["search"]
    assert example == {name: getattr(core, name) for name in example}
    assert set(example) == set(SearchConfig.model_fields)


def test_moderator_roles_by_name_or_id_and_per_server(tmp_path) -> None:
    config = tmp_path / "briefbot.toml"
    config.write_text('[discord]\nmoderator_roles = ["Moderator", 555]\n'
                      '[discord.server_moderator_roles]\n"111" = [777, "Editors"]\n')
    discord = load_settings(config).discord
    assert discord.moderator_roles == ["Moderator", 555]
    assert discord.moderator_roles_in(111) == [777, "Editors"]
    assert discord.moderator_roles_in(222) == discord.moderator_roles_in(None) == ["Moderator", 555]
