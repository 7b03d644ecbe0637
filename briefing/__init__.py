"""briefing: a folder of news articles becomes a clustered, cited daily briefing, offline."""

__version__ = "0.1.0"
