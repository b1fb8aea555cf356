"""understanding.read: risks, keywords and answers in ten languages (issue 14). No database."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.messaging.understanding import (
    ROUTES,
    URGENT,
    Expects,
    Route,
    Signal,
    read,
    review_status,
)

RATING = Expects("rating", 0, 10)
YES_NO = Expects("yes_no")
CHOICE = Expects("choice", choices=("A", "B", "C"))
APPOINTMENT = Expects("appointment")


def signals(text: str, lang: str = "en", **kw) -> set[str]:
    return {s.value for s in read(text, lang, **kw).signals}


@pytest.mark.parametrize(
    ("text", "lang", "signal"),
    [
        ("I'm so tired of living", "en", Signal.SELF_HARM),
        ("i just want to go to sleep and never wake up", "en", Signal.SELF_HARM),
        ("im a burden to everyone", "en", Signal.SELF_HARM),
        ("everyone would be better off without me", "en", Signal.SELF_HARM),
        ("I'm feeling suicdal", "en", Signal.SELF_HARM),
        ("I don't want to live", "en", Signal.SELF_HARM),
        ("no reason to live", "en", Signal.SELF_HARM),
        ("I looked at CP last night", "en", Signal.CSAM),
        ("having fantasies about kids again", "en", Signal.CHILD_SEXUAL_THOUGHTS),
        ("my nephew is staying over this weekend", "en", Signal.MINOR_ACCESS),
        ("been messaging a 15 yo on snap", "en", Signal.MINOR_ACCESS),
        ("want to hurt my PO", "en", Signal.THREAT),
        ("going to get a gun", "en", Signal.WEAPON),
        ("relapsed last night, got drunk", "en", Signal.SUBSTANCE),
        ("lost my job today", "en", Signal.HOUSING_WORK),
        ("leaving the state tmrw", "en", Signal.LEAVING_AREA),
        ("estoy cansado de vivir", "es", Signal.SELF_HARM),
        ("estoy cansado de vivir", "xx", Signal.SELF_HARM),
        ("toi chan song lam", "vi", Signal.SELF_HARM),
        ("我真的不想活了", "zh_Hant", Signal.SELF_HARM),
        ("죽고 싶어요", "ko", Signal.SELF_HARM),
        ("gusto ko nang mamatay", "tl", Signal.SELF_HARM),
        ("хочу умереть", "ru", Signal.SELF_HARM),
        ("بدي موت", "ar", Signal.SELF_HARM),
        ("میخوام بمیرم", "fa", Signal.SELF_HARM),
        ("ուզում եմ մեռնել", "hy", Signal.SELF_HARM),
    ],
)
def test_risks_are_found(text, lang, signal):
    reading = read(text, lang)
    assert signal in reading.signals
    assert reading.needs_human
    assert reading.urgent == (signal in URGENT)


@pytest.mark.parametrize(
    "text",
    [
        "walked in the park",
        "she texted me about the rent",
        "killing it at work",
        "dying of laughter",
        "I'm dead lol",
        "this traffic is killing me",
        "me muero de risa",
        "not suicidal",
        "I am not suicidal",
        "no urges today",
        "no drinking",
        "haven't been drinking",
        "",
        "👍🙏",
    ],
)
def test_ordinary_life_raises_nothing(text):
    assert not read(text, "en").signals


def test_places_where_children_gather_count_only_under_the_condition():
    assert not signals("walked in the park")
    assert "minor_access" in signals(
        "walked in the park", conditions=frozenset({"no_minors_places"})
    )


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Cancel",
        "UNSUBSCRIBE",
        "stop texting me",
        "no quiero más mensajes",
        "no me manden mensajes",
        "đừng nhắn tin nữa",
        "STOP please",
    ],
)
def test_opt_outs(text):
    reading = read(text, "es", YES_NO)
    assert reading.keyword == "opt_out"
    assert reading.answer is None


def test_stop_inside_a_sentence_is_mentioned_not_an_opt_out():
    for text in ("stop asking me about my mood lol", "I want to stop drinking"):
        reading = read(text, "en")
        assert reading.keyword is None and reading.stop_mentioned


def test_a_crisis_inside_a_stop_is_still_a_crisis():
    reading = read("stop texting me, I want to die", "en")
    assert reading.keyword == "opt_out" and Signal.SELF_HARM in reading.signals and reading.urgent


@pytest.mark.parametrize(
    ("text", "lang", "expects", "answer"),
    [
        ("7", "en", RATING, "7"),
        ("seven", "en", RATING, "7"),
        ("siete", "es", RATING, "7"),
        ("bảy", "vi", RATING, "7"),
        ("7/10", "en", RATING, "7"),
        ("15", "en", RATING, None),
        ("yes", "en", YES_NO, "yes"),
        ("sí", "es", YES_NO, "yes"),
        ("nope", "en", YES_NO, "no"),
        ("b", "en", CHOICE, "B"),
        ("the first one", "en", CHOICE, "A"),
    ],
)
def test_answers(text, lang, expects, answer):
    reading = read(text, lang, expects)
    assert reading.answer == answer
    assert reading.needs_human == (answer is None)


def test_appointments():
    assert read("confirm", "en", APPOINTMENT).appointment == "confirm"
    assert read("can we reschedule", "en", APPOINTMENT).appointment == "reschedule"
    cancel = read("CANCEL", "en", APPOINTMENT)
    assert cancel.keyword == "opt_out" and cancel.appointment is None


def test_free_text_without_a_question_needs_a_person():
    assert read("had dinner with my brother", "en").needs_human
    assert not read("HELP", "en").needs_human


def test_routes_and_review_records():
    assert set(ROUTES) == set(Signal)
    assert ROUTES[Signal.SELF_HARM] == Route.CRISIS
    assert {s for s, r in ROUTES.items() if r != Route.SAME_DAY} == URGENT
    status = review_status()
    assert len(status) == 10
    assert all(r["status"] in {"drafted", "reviewed"} for r in status.values())


def test_expects_from_json_refuses_nonsense():
    assert Expects.from_json(None) is None
    assert Expects.from_json({"type": "rating", "min": 0, "max": 10}) == RATING
    with pytest.raises(ValueError):
        Expects.from_json({"type": "essay"})


@settings(max_examples=20, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["en", "es", "vi", "zh_Hant", "ar", "", "??"]))
def test_any_text_is_read_without_error(text, lang):
    reading = read(text, lang, RATING)
    assert reading.urgent <= bool(reading.signals)


PHRASES = [
    "I'm so tired of living",
    "Estoy cansado de vivir",
    "tôi không muốn sống nữa",
    "relapsed last night",
    "my nephew is staying over",
    "walked in the park",
]


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(PHRASES), st.sampled_from(["upper", "lower", "strip", "title"]))
def test_case_and_accents_never_change_the_reading(text, how):
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    changed = {"upper": text.upper(), "lower": text.lower(), "strip": plain, "title": text.title()}[
        how
    ]
    assert read(changed, "en").signals == read(text, "en").signals


def test_the_understand_command_reads_json_lines_without_a_database(tmp_path):
    import json
    from datetime import UTC, datetime

    from companion import create_app
    from companion.clock import FrozenClock

    from helpers import base_env

    # A database that does not exist: the command must never open it.
    missing = f"sqlite:///{tmp_path / 'absent' / 'none.sqlite3'}"
    app = create_app(base_env(missing), clock=FrozenClock(datetime(2026, 1, 5, 9, tzinfo=UTC)))
    lines = [
        {"text": "stop texting me, I want to die", "lang": "en", "expects": None},
        "not json at all",
        {"text": "no quiero más mensajes", "lang": "es", "expects": {"type": "yes_no"}},
        {"text": "siete", "lang": "es", "expects": {"type": "rating", "min": 0, "max": 10}},
        {"text": "", "lang": "en", "expects": None},
        {"text": "🙂" * 10, "lang": "en", "expects": None},
        {"text": "x" * 1600, "lang": "en", "expects": None},
        {"text": "Я устал жить 我不想活了", "lang": "klingon", "expects": None},
        {"text": "b", "lang": "en", "expects": {"type": "essay"}},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    result = app.test_cli_runner().invoke(args=["understand"], input=stdin + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["keyword"] == "opt_out" and out[0]["signals"] == ["self_harm"]
    assert out[0]["urgent"] is True
    assert "error" in out[1] and "error" in out[8]
    assert out[2]["keyword"] == "opt_out" and out[2]["answer"] is None
    assert out[3]["answer"] == "7" and out[3]["needs_human"] is False
    assert out[4]["needs_human"] and out[5]["needs_human"] and out[6]["needs_human"]
    assert out[7]["signals"] == ["self_harm"]
    assert set(out[3]) == {"keyword", "answer", "appointment", "signals", "urgent", "needs_human"}


def test_every_listed_idiom_read_alone_raises_nothing():
    from companion.messaging import words

    for language, section in words.section("understanding").items():
        for idiom in section.get("idioms", []):
            assert not read(idiom, language).signals, (language, idiom)


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(["", "I'm ", "honestly ", "today "]),
    st.sampled_from(["not", "no", "never", "haven't been", "not really"]),
    st.sampled_from(["suicidal", "drinking", "using drugs", "relapsed"]),
)
def test_a_negated_risk_raises_nothing(lead, negation, risk):
    assert not read(f"{lead}{negation} {risk}", "en").signals


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to live",
        "can't go on like this",
        "no reason to live",
        "no quiero vivir",
        "không muốn sống nữa",
        "不想活了",
    ],
)
def test_phrases_that_are_negative_themselves_still_fire(text):
    assert Signal.SELF_HARM in read(text, "en").signals


@pytest.mark.parametrize(
    ("text", "minor_access"),
    [
        ("the kids sleep at mine on friday", True),
        ("looking after my cousin's little ones tonight", True),
        ("mi sobrina se queda a dormir el sábado", True),
        ("picked up my kids from school", False),  # the client's own children
        ("the kids at church sang", False),  # children mentioned, no stay or care
    ],
)
def test_a_child_with_a_stay_or_care_word_in_one_clause_is_minor_access(text, minor_access):
    assert (Signal.MINOR_ACCESS in read(text, "en").signals) == minor_access


@pytest.mark.parametrize(
    ("text", "self_harm"),
    [
        ("honestly I just want to be gone", True),
        ("I hope I don't wake up tomorrow", True),
        ("ojalá no despertar", True),
        ("I hope my phone doesn't die", False),
        ("my grandpa died, I wish I had visited", False),
    ],
)
def test_a_wish_and_dying_in_one_clause_is_self_harm(text, self_harm):
    assert (Signal.SELF_HARM in read(text, "en").signals) == self_harm


# -- concepts that count together (understanding_data.PAIRS), in every language -------


@pytest.mark.parametrize(
    ("text", "lang", "signal"),
    [
        # weary + life: passive thoughts of death said without "die"
        ("im so done with life", "en", Signal.SELF_HARM),
        ("honestly i dont see the point of being alive anymore", "en", Signal.SELF_HARM),
        ("ya no le encuentro sentido a la vida", "es", Signal.SELF_HARM),
        ("pagod na ako sa buhay ko", "tl", Signal.SELF_HARM),
        ("사는 게 너무 지쳤어요", "ko", Signal.SELF_HARM),
        ("活著好沒意思", "zh_Hant", Signal.SELF_HARM),
        ("تعبت من الحياة", "ar", Signal.SELF_HARM),
        # wish + death, with the verb in another form than listed
        ("лучше бы я уснул и не проснулся", "ru", Signal.SELF_HARM),
        ("ước gì ngủ một giấc không dậy nữa", "vi", Signal.SELF_HARM),
        ("کاش بخوابم و دیگه بیدار نشم", "fa", Signal.SELF_HARM),
        # child + online contact
        ("been messaging a 14 year old girl on discord", "en", Signal.MINOR_ACCESS),
        ("ka-chat ko yung 15 years old na babae", "tl", Signal.MINOR_ACCESS),
        ("переписываюсь с девочкой 13 лет", "ru", Signal.MINOR_ACCESS),
        ("plemyannitsa nochuet u menya", "ru", Signal.MINOR_ACCESS),  # romanized concept words
        # someone else's child + care
        ("my ex asked me to watch her son saturday", "en", Signal.MINOR_ACCESS),
        ("mi ex me pidió que cuidara a su hijo", "es", Signal.MINOR_ACCESS),
        ("鄰居的小孩今晚在我家過夜", "zh_Hant", Signal.MINOR_ACCESS),
        ("بنت الجيران رح تنام عندي الليلة", "ar", Signal.MINOR_ACCESS),
        # child + sexual
        ("i get aroused around little girls", "en", Signal.CHILD_SEXUAL_THOUGHTS),
        ("меня возбуждают маленькие девочки", "ru", Signal.CHILD_SEXUAL_THOUGHTS),
        ("어린 애들한테 성적인 생각이 들어요", "ko", Signal.CHILD_SEXUAL_THOUGHTS),
        # child + explicit material
        ("downloaded explicit videos with kids in them", "en", Signal.CSAM),
        # drug + relapse, urge + intensity, travel + elsewhere
        ("had a few beers again last night", "en", Signal.SUBSTANCE),
        ("volví a tomar cerveza ayer", "es", Signal.SUBSTANCE),
        ("昨天又喝酒了", "zh_Hant", Signal.SUBSTANCE),
        ("urges are through the roof today", "en", Signal.HIGH_URGE),
        ("me voy a ir a otro estado", "es", Signal.LEAVING_AREA),
        ("tôi sắp chuyển đi tiểu bang khác", "vi", Signal.LEAVING_AREA),
    ],
)
def test_two_concepts_in_one_clause_raise_the_signal(text, lang, signal):
    assert signal in read(text, lang).signals


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("the kids were so excited at the park today", "en"),  # "excited" is not sexual
        ("i drank a lot of water again today", "en"),  # water is not a relapse
        ("tired of this song on the radio lol", "en"),  # Vietnamese "song" is not "life"
        ("tomé el bus otra vez", "es"),  # "tomar" the bus
        ("약속 다시 잡을게요", "ko"),  # 약속 (appointment) is not 약 (drugs)
        ("ginawa ko ulit yung report", "tl"),  # "gin" is not a drink here
        ("трава снова выросла во дворе", "ru"),  # grass, not weed
        ("小孩今天很興奮去公園", "zh_Hant"),  # excited children
        ("الدنيا حر وتعبت اليوم", "ar"),  # hot weather, tired
        ("여동생 애기 낳았어요 페북에서 사진 봤는데 너무 좋네요", "ko"),  # a newborn's photos
        ("chu nhat goi cho con gai nhu trong ke hoach", "vi"),  # "trong" (in), not "trông"
        ("my son asked to sleep over at his friends", "en"),  # the client's own child
    ],
)
def test_ordinary_words_that_look_like_a_concept_raise_nothing(text, lang):
    assert read(text, lang).signals == ()


@pytest.mark.parametrize(
    ("text", "lang", "expects", "answer"),
    [
        ("of course", "en", {"type": "yes_no"}, "yes"),
        ("absolutely", "en", {"type": "yes_no"}, "yes"),
        ("claro que sí", "es", {"type": "yes_no"}, "yes"),
        ("dạ không", "vi", {"type": "yes_no"}, "no"),
        ("嗯", "zh_Hant", {"type": "yes_no"}, "yes"),
        ("그럼요", "ko", {"type": "yes_no"}, "yes"),
        ("hindi po", "tl", {"type": "yes_no"}, "no"),
        ("да конечно", "ru", {"type": "yes_no"}, "yes"),
        ("مش", "ar", {"type": "yes_no"}, "no"),
        ("um no", "en", {"type": "yes_no"}, "no"),
        ("大概五分", "zh_Hant", {"type": "rating", "min": 0, "max": 10}, "5"),
        ("應該是三", "zh_Hant", {"type": "rating", "min": 0, "max": 10}, "3"),
        ("شاید پنج", "fa", {"type": "rating", "min": 0, "max": 10}, "5"),
        ("cómo no", "es", {"type": "yes_no"}, "yes"),  # "of course", not "no"
        ("la b", "es", {"type": "choice", "choices": ["A", "B", "C"]}, "B"),
        ("вариант а", "ru", {"type": "choice", "choices": ["A", "B", "C"]}, "A"),
        ("الخيار ب", "ar", {"type": "choice", "choices": ["A", "B", "C"]}, "B"),
        ("첫 번째요", "ko", {"type": "choice", "choices": ["A", "B", "C"]}, "A"),
    ],
)
def test_answers_said_in_other_words(text, lang, expects, answer):
    assert read(text, lang, Expects.from_json(expects)).answer == answer


@pytest.mark.parametrize(
    ("text", "lang", "appointment"),
    [
        ("need to change it", "en", "reschedule"),
        ("ok em đến", "vi", "confirm"),
        ("我沒辦法去，可以改時間嗎", "zh_Hant", "reschedule"),
        ("di ako makakapunta, pwede ilipat", "tl", "reschedule"),
        ("حتما میام", "fa", "confirm"),
        ("إن شاء الله جاي", "ar", "confirm"),
    ],
)
def test_appointment_replies_in_other_words(text, lang, appointment):
    assert read(text, lang, Expects("appointment")).appointment == appointment
