"""Local fake HTTP servers that speak the Gemini and OpenAI chat APIs, for tests and benches."""
