"""The domain: plain Python, no Flask, no Twilio, and no wall clock.

Every function that needs the time takes ``now`` as a parameter.
"""
