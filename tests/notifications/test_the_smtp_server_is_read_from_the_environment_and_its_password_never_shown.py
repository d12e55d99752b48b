"""DeliverySettings.from_env reads the SMTP server from ORCHABLE_SMTP_*; a worker's
settings take it from the process's environment; the password is never in a repr."""

from orchable.settings import DeliverySettings, WorkerSettings

ENVIRON = {
    "ORCHABLE_SMTP_HOST": "smtp.example.test",
    "ORCHABLE_SMTP_PORT": "2525",
    "ORCHABLE_SMTP_USERNAME": "orchable",
    "ORCHABLE_SMTP_PASSWORD": "hunter2-smtp-password",
    "ORCHABLE_SMTP_FROM": "alerts@example.test",
    "ORCHABLE_SMTP_STARTTLS": "1",
}


def test_the_smtp_server_is_read_from_the_environment() -> None:
    settings = DeliverySettings.from_env(ENVIRON)

    assert settings.smtp_configured
    assert (settings.smtp_host, settings.smtp_port) == ("smtp.example.test", 2525)
    assert (settings.smtp_username, settings.smtp_password) == ("orchable", "hunter2-smtp-password")
    assert (settings.smtp_from, settings.smtp_starttls) == ("alerts@example.test", True)
    assert settings.webhook_timeout_seconds == 15.0
    assert "hunter2" not in repr(settings)


def test_starttls_is_required_off_or_taken_when_offered() -> None:
    assert DeliverySettings.from_env({"ORCHABLE_SMTP_STARTTLS": "0"}).smtp_starttls is False
    assert DeliverySettings.from_env({}).smtp_starttls is None
    assert not DeliverySettings.from_env({}).smtp_configured


def test_a_workers_settings_take_the_smtp_server_of_the_process(monkeypatch) -> None:
    for name, value in ENVIRON.items():
        monkeypatch.setenv(name, value)
    settings = WorkerSettings(database_url="postgresql://w@127.0.0.1/o")

    assert settings.deliver_notifications
    assert settings.delivery == DeliverySettings.from_env(ENVIRON)
    assert "hunter2" not in repr(settings)
