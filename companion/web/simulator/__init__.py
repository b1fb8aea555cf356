"""The phone simulator (console transport only): a client's phone, to read and reply."""
