"""Use cases: what the web pages, the commands and the worker ask for.

Each takes a database session, the settings it needs and ``now``; none imports
Flask. They call the domain (``companion.care``) and the messaging layer
(``companion.messaging``) and own the database transactions' contents.
"""
