"""Settings: defaults, validation that names the variable, and docs that list every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chamba.config import ENV_PREFIX, Settings, SettingsError, load_settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_default_database_is_sqlite_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHAMBA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CHAMBA_DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'chamba.db'}"


def test_postgresql_url_uses_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAMBA_DATABASE_URL", "postgresql://u:p@db/chamba")
    assert load_settings().sqlalchemy_url == "postgresql+psycopg://u:p@db/chamba"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHAMBA_PORT", "99999"),
        ("CHAMBA_PORT", "ocho mil"),
        ("CHAMBA_LOG_LEVEL", "LOUD"),
        ("CHAMBA_DATABASE_URL", "mysql://root@localhost/x"),
        ("CHAMBA_SECRET_KEY", "short"),
        ("CHAMBA_DATA_KEY", "not-a-fernet-key"),
        ("CHAMBA_ENV", "staging"),
        ("CHAMBA_ENCODER", "bert"),
        ("CHAMBA_ENCODER", "st:/no/such/model/folder"),
    ],
)
def test_invalid_settings_fail_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


@pytest.mark.parametrize("env", ["production", "test", None])
def test_only_development_accepts_the_placeholder_secret(
    monkeypatch: pytest.MonkeyPatch, env: str | None
) -> None:
    # GIVEN no secret, and any environment but development (unset included: a plain docker run)
    monkeypatch.delenv("CHAMBA_SECRET_KEY", raising=False)
    if env is None:
        monkeypatch.delenv("CHAMBA_ENV", raising=False)
    else:
        monkeypatch.setenv("CHAMBA_ENV", env)
    # THEN the settings refuse to load, naming the variable
    with pytest.raises(SettingsError, match="CHAMBA_SECRET_KEY"):
        load_settings()
    # AND only the explicit development mode accepts the public placeholder
    monkeypatch.setenv("CHAMBA_ENV", "development")
    assert load_settings().env == "development"


def test_every_setting_is_documented_and_nothing_else() -> None:
    documented = set(re.findall(r"`(CHAMBA_[A-Z_]+)`", DOCS.read_text()))
    actual = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    assert documented == actual


def test_encoder_setting_accepts_the_built_in_one_or_a_local_folder(tmp_path: Path) -> None:
    # GIVEN the default, and a folder for a sentence-transformers model
    assert load_settings().encoder == "use-multilingual-v3"
    # THEN a folder is accepted (with ~ expanded) and a file is not
    assert load_settings(encoder=f"st:{tmp_path}").encoder == f"st:{tmp_path}"
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(SettingsError, match="CHAMBA_ENCODER"):
        load_settings(encoder=f"st:{tmp_path / 'model.bin'}")
