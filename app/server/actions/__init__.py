"""Actions: the only code that writes. Each writes state and its events in one transaction."""
