"""The texts preview: every text a client can get, as their phone shows it."""
