"""The release of information page: record a client's release per category; who is told what."""
