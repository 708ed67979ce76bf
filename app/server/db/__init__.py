"""The server's database: table definitions, engines with one writer thread, and migrations."""
