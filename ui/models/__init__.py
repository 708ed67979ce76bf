"""Qt list models over windows of store rows; each declares its roles as an enum."""
