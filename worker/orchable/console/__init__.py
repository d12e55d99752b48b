"""The web console served by `orchable serve`: a JSON API over the user's rows, run as
that user (row-level security decides), and the React page that shows it (console/)."""

from orchable.console.api import console_routes, create_console_app
from orchable.console.settings import ConsoleEnv, ConsoleSettings

__all__ = ["ConsoleEnv", "ConsoleSettings", "console_routes", "create_console_app"]
