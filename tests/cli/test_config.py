import pytest

from cli.workspace.config import DEFAULT_TOML, ConfigError, load_config


def test_default_file_parses_and_environment_overrides_it(tmp_path):
    path = tmp_path / "aims.toml"
    path.write_text(DEFAULT_TOML.replace('provider = "none"', 'provider = "openai:gpt-4o-mini"'))
    assert load_config(path, environ={}).llm.provider == "openai:gpt-4o-mini"
    env = {"AIMS_LLM": "none", "AIMS_CHROMA_URL": "http://127.0.0.1:8000", "AIMS_REVIEWER": "carol"}
    config = load_config(path, environ=env)
    assert (config.llm.provider, config.chroma.url, config.reviewer) == ("none", "http://127.0.0.1:8000", "carol")


def test_missing_file_gives_defaults_and_bad_files_name_themselves(tmp_path):
    assert load_config(tmp_path / "absent.toml", environ={}).embeddings.model == "minilm"
    broken = tmp_path / "broken.toml"
    broken.write_text("[llm\nprovider=")
    with pytest.raises(ConfigError, match="broken.toml"):
        load_config(broken, environ={})
    typo = tmp_path / "typo.toml"
    typo.write_text("[llm]\nprovder = 'none'\n")
    with pytest.raises(ConfigError, match="provder"):
        load_config(typo, environ={})
