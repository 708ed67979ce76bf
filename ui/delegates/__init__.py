"""Custom item delegates: how conversations, topics and messages are painted."""
