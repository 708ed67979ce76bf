"""Workday status in the GUI: the running service, the own-status menu, the rules editor."""
