"""Courtyard below the widgets: core schema, reference server, headless client and features."""
