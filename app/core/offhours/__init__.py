"""Working hours and availability: pure, standard-library-only logic shared by server and client.

The server computes availability for user payloads and for rate limiting urgent messages to people
who are off; the client computes it again from the same schedule and DND as time passes, so both
sides must run the same function (see docs/architecture.md).
"""
