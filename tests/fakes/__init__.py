"""Local fake servers for tests and benches: the Gemini and OpenAI chat APIs, a webhook
receiver and an SMTP server."""
