"""What server and client share: the typed wire schema, error codes, clock and observer."""
