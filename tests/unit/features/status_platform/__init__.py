"""Tests of the per-OS foreground-window and idle adapters that run on any OS."""
