"""The one retry policy that texts and alert mail share."""

from datetime import timedelta

from companion.messaging import mail
from companion.messaging.dispatch import DispatchSettings
from companion.messaging.retry import RetryPolicy


def test_waits_double_from_the_base_and_stop_at_the_cap():
    policy = RetryPolicy(max_attempts=10, base=timedelta(minutes=10), cap=timedelta(hours=1))
    waits = [policy.delay(n) / timedelta(minutes=1) for n in range(1, 6)]
    assert waits == [10, 20, 40, 60, 60]


def test_the_last_allowed_attempt_gives_up():
    policy = RetryPolicy(max_attempts=3)
    assert [policy.gives_up(n) for n in (1, 2, 3, 4)] == [False, False, True, True]


def test_texts_and_mail_use_the_same_policy_with_their_own_numbers():
    texts = DispatchSettings(max_attempts=5, retry_base_seconds=30).retry
    assert isinstance(mail.RETRY, RetryPolicy) and isinstance(texts, RetryPolicy)
    assert [texts.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert [mail.RETRY.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert texts.gives_up(5) and mail.RETRY.gives_up(5) and not mail.RETRY.gives_up(4)
