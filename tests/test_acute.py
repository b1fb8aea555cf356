"""Replies that need a person now: found in every shipped language, never a crash."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.messaging import words
from companion.messaging.acute import SEVERITY, SPELLINGS, Acute, detect
from companion.messaging.i18n import shipped_languages
from companion.messaging.words import fold

LANGUAGES = shipped_languages()
TABLE = words.section("acute")
CATEGORIES = [c.value for c in Acute]

SELF_HARM = Acute.SELF_HARM
HIGH_URGE = Acute.HIGH_URGE
VICTIM_ACCESS = Acute.VICTIM_ACCESS
THREAT = Acute.THREAT
LIFE_EVENT = Acute.LIFE_EVENT


def _categories(entries: dict) -> set[str]:
    return {k for k in entries if not k.startswith("_") and k != SPELLINGS}


def _spellings(language: str) -> dict[str, str]:
    return {fold(k): fold(v) for k, v in TABLE[language].get(SPELLINGS, {}).items()}


def _matchable(phrase: str, language: str) -> str:
    """The phrase as the matcher sees it: folded and respelled."""
    spellings = _spellings(language)
    return " ".join(spellings.get(w, w) for w in fold(phrase).split())


# -- the data ----------------------------------------------------------------------


def test_every_shipped_language_has_all_five_categories():
    assert set(LANGUAGES) <= set(TABLE)
    for language in LANGUAGES:
        assert _categories(TABLE[language]) == set(CATEGORIES), language
        for category in CATEGORIES:
            assert len(TABLE[language][category]) >= 15, (language, category)


def test_severity_lists_every_category_once_most_serious_first():
    assert SEVERITY == (SELF_HARM, VICTIM_ACCESS, THREAT, HIGH_URGE, LIFE_EVENT)
    assert set(SEVERITY) == set(Acute)


@pytest.mark.parametrize("language", sorted(TABLE))
def test_phrases_have_words_and_none_repeats_or_hides_inside_another(language):
    for category in _categories(TABLE[language]):
        seen: dict[str, str] = {}
        for phrase in TABLE[language][category]:
            matched = _matchable(phrase, language)
            assert matched, (language, category, phrase)
            assert matched not in seen, f"{phrase!r} is {seen.get(matched)!r} again"
            seen[matched] = phrase
        # A phrase that contains another of its category can never change the result.
        how = words.matching(language)
        for longer in seen:
            for shorter in seen:
                if longer != shorter:
                    assert words.pad(shorter, how) not in words.padded(longer), (
                        language,
                        longer,
                        shorter,
                    )


@pytest.mark.parametrize("language", sorted(TABLE))
def test_spellings_respell_one_word(language):
    for short, usual in TABLE[language].get(SPELLINGS, {}).items():
        assert len(fold(short).split()) == 1, short
        assert fold(usual), short


# -- found, in each language and category -------------------------------------------


@pytest.mark.parametrize(
    "text, language, category",
    [
        # English
        ("Honestly I just want to die.", "en", SELF_HARM),
        ("i dont want to live anymore", "en", SELF_HARM),
        ("Thinking about KILLING MYSELF tonight", "en", SELF_HARM),
        ("I feel hopeless, whats the point", "en", SELF_HARM),
        ("im gonna kms", "en", SELF_HARM),
        ("Everyone would be better off without me.", "en", SELF_HARM),
        ("I don't want to kill myself but I think about it", "en", SELF_HARM),  # negation
        ("The urges are really strong today, I might act on it", "en", HIGH_URGE),
        ("I can't control myself right now!!", "en", HIGH_URGE),
        ("about to do something stupid. call me", "en", HIGH_URGE),
        ("urges 9/10", "en", HIGH_URGE),
        ("Im losing control", "en", HIGH_URGE),
        ("I was alone with my girlfriend's daughter for an hour", "en", VICTIM_ACCESS),
        ("I'm babysitting my neighbor's kids tonight", "en", VICTIM_ACCESS),
        ("At the park with my nephew rn", "en", VICTIM_ACCESS),
        ("She messaged me on Facebook...", "en", VICTIM_ACCESS),
        ("I'm parked near the school", "en", VICTIM_ACCESS),
        ("There were kids at the party", "en", VICTIM_ACCESS),
        ("My victim reached out on Instagram", "en", VICTIM_ACCESS),
        ("I'm not supposed to be here", "en", VICTIM_ACCESS),
        ("I'm going to kill him.", "en", THREAT),
        ("I swear I'll make him pay", "en", THREAT),
        ("I want to get back at my ex", "en", THREAT),
        ("if he does that again I'll hurt him", "en", THREAT),
        ("gonna beat him up when I see him", "en", THREAT),
        ("I lost my job today", "en", LIFE_EVENT),
        ("Got FIRED this morning.", "en", LIFE_EVENT),
        ("landlord says we're getting evicted", "en", LIFE_EVENT),
        ("I'm sleeping in my car", "en", LIFE_EVENT),
        ("I relapsed last night", "en", LIFE_EVENT),
        ("Started drinking again after 2 years", "en", LIFE_EVENT),
        # Spanish, as typed: often without accents
        ("ya no quiero vivir", "es", SELF_HARM),
        ("Me quiero matar.", "es", SELF_HARM),
        ("pienso en suicidarme", "es", SELF_HARM),
        ("no tengo razon para vivir", "es", SELF_HARM),
        ("Kiero morir", "es", SELF_HARM),
        ("ya no puedo mas con esto", "es", SELF_HARM),
        ("no quiero matarme pero lo pienso", "es", SELF_HARM),  # negation
        ("no me puedo controlar", "es", HIGH_URGE),
        ("tengo impulsos muy fuertes hoy", "es", HIGH_URGE),
        ("Estoy a punto de hacer algo malo", "es", HIGH_URGE),
        ("Estoy perdiendo el control!!", "es", HIGH_URGE),
        ("estoy solo con los ninos de mi novia", "es", VICTIM_ACCESS),
        ("Estoy cuidando a los ninos de mi vecina", "es", VICTIM_ACCESS),
        ("ando en el parque con mi sobrino", "es", VICTIM_ACCESS),
        ("Ella me escribio anoche", "es", VICTIM_ACCESS),
        ("estoy cerca de la escuela", "es", VICTIM_ACCESS),
        ("Habia ninos en la fiesta", "es", VICTIM_ACCESS),
        ("la muchacha era menor de edad", "es", VICTIM_ACCESS),
        ("lo voy a matar", "es", THREAT),
        ("me las va a pagar ese vato", "es", THREAT),
        ("quiero vengarme de mi ex", "es", THREAT),
        ("le voy a partir la madre", "es", THREAT),
        ("LO VOY A GOLPEAR", "es", THREAT),
        ("me corrieron del trabajo", "es", LIFE_EVENT),
        ("perdi mi chamba", "es", LIFE_EVENT),
        ("Me desalojaron del apartamento.", "es", LIFE_EVENT),
        ("estoy durmiendo en mi carro", "es", LIFE_EVENT),
        ("volvi a tomar", "es", LIFE_EVENT),
        ("tuve una recaida", "es", LIFE_EVENT),
        # Vietnamese, with and without tone marks, and texting forms
        ("toi muon chet", "vi", SELF_HARM),
        ("em ko muon song nua", "vi", SELF_HARM),
        ("Tôi muốn tự tử.", "vi", SELF_HARM),
        ("buồn quá, chỉ muốn chết", "vi", SELF_HARM),
        ("tuyet vong qua", "vi", SELF_HARM),
        ("hok muốn sống nữa", "vi", SELF_HARM),
        ("tôi không muốn tự tử nhưng hay nghĩ tới", "vi", SELF_HARM),  # negation
        ("em ko kiem che dc", "vi", HIGH_URGE),
        ("Tôi đang mất kiểm soát", "vi", HIGH_URGE),
        ("cơn thôi thúc mạnh lắm", "vi", HIGH_URGE),
        ("k kìm dc nữa", "vi", HIGH_URGE),
        ("đang ở một mình với đứa cháu", "vi", VICTIM_ACCESS),
        ("em đang giữ con nít cho hàng xóm", "vi", VICTIM_ACCESS),
        ("dang o cong vien voi may dua nho", "vi", VICTIM_ACCESS),
        ("co ay nhan tin toi qua", "vi", VICTIM_ACCESS),
        ("có con nít ở đó", "vi", VICTIM_ACCESS),
        ("ko dc o gan truong hoc ma em dang o do", "vi", VICTIM_ACCESS),
        ("tao sẽ giết nó", "vi", THREAT),
        ("toi se tra thu", "vi", THREAT),
        ("no phai tra gia", "vi", THREAT),
        ("cho nó biết tay!", "vi", THREAT),
        ("em bi mat viec roi", "vi", LIFE_EVENT),
        ("bị đuổi ra khỏi nhà", "vi", LIFE_EVENT),
        ("đang ngủ trong xe", "vi", LIFE_EVENT),
        ("tôi tái nghiện rồi", "vi", LIFE_EVENT),
        ("em uong ruou lai roi", "vi", LIFE_EVENT),
        ("THẤT NGHIỆP 2 tháng nay", "vi", LIFE_EVENT),
    ],
)
def test_found_in_realistic_messages(text, language, category):
    assert category in detect(text, language)


@pytest.mark.parametrize(
    "text, language, category",
    [
        ("I want to die", "es", SELF_HARM),  # a Spanish speaker writing English
        ("me quiero matar", "en", SELF_HARM),
        ("muốn tự tử", "es", SELF_HARM),
        ("lo voy a matar", "vi", THREAT),
        ("I want to die", "fr", SELF_HARM),  # a language we do not ship
        ("I want to die", "", SELF_HARM),
    ],
)
def test_every_language_is_read_for_every_client(text, language, category):
    assert category in detect(text, language)


@pytest.mark.parametrize(
    "text",
    [
        "I can´t control myself",  # acute accent for an apostrophe
        "I canʼt control myself",  # modifier letter apostrophe
        "I can`t control myself",
        "I can’t control myself",
        "I cannot control myself",
    ],
)
def test_apostrophe_look_alikes(text):
    assert detect(text, "en") == [HIGH_URGE]


def test_found_at_the_end_of_a_long_message_with_emoji_and_control_characters():
    text = "ok so today " * 150 + "\x00I\u200bwant to die😢\x07"
    assert len(text) > 1600
    assert detect(text, "en") == [SELF_HARM]


# -- not found in ordinary messages ---------------------------------------------------


@pytest.mark.parametrize(
    "text, language",
    [
        ("I'm fine", "en"),
        ("work was long", "en"),
        ("see you Tuesday", "en"),
        ("killing time at the bus stop", "en"),
        ("the kids at church sang", "en"),  # a mention, not contact (en/words.json)
        ("I picked up groceries for the kids' school fundraiser", "en"),
        ("I can't go on Friday, can we move it?", "en"),
        ("Walked around the block and called my brother", "en"),
        ("My relapse prevention plan is on the fridge", "en"),
        ("Working on my victim empathy letter", "en"),
        ("I stopped drinking 6 months ago", "en"),
        ("Got the job!!", "en"),
        ("Urges 2/10 today", "en"),
        ("This heat is killing me lol", "en"),
        ("I walked 5 kms today", "en"),
        ("the weekend it allowed me to rest", "en"),
        ("", "en"),
        ("   ", "en"),
        ("👍", "en"),
        ("estoy bien", "es"),
        ("ando en la calle, luego te marco", "es"),
        ("el trabajo estuvo pesado", "es"),
        ("nos vemos el martes", "es"),
        ("mi hija está en la escuela", "es"),
        ("me echaron la culpa en el trabajo", "es"),
        ("estoy llenando mi plan de prevención de recaídas", "es"),
        ("escribí la carta de empatía con la víctima", "es"),
        ("me muero de hambre jaja", "es"),
        ("tengo muchas ganas de ver a mi mamá", "es"),
        ("tôi khỏe", "vi"),
        ("toi khoe", "vi"),
        ("từ từ rồi tính", "vi"),  # folds like "tự tử"
        ("em cần tư vấn thêm", "vi"),  # folds like "tự vẫn"
        ("anh ấy không có nhà", "vi"),
        ("bạn nó tới chơi", "vi"),  # folds like "bắn nó"
        ("làm bây giờ luôn", "vi"),  # folds like "làm bậy"
        ("mệt muốn chết", "vi"),  # everyday "tired to death"
        ("hẹn từ hai giờ", "vi"),  # folds like "tự hại"
        ("để dành nó cho mai", "vi"),
        ("em uống hết thuốc rồi, cần đơn mới", "vi"),
        ("em đang làm kế hoạch phòng ngừa tái phạm", "vi"),
        ("đang ở ngoài đường, về liền", "vi"),
        ("ok k", "vi"),
    ],
)
def test_ordinary_messages_need_no_one(text, language):
    assert detect(text, language) == []


# -- more than one thing at once -------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I want to kill myself", [SELF_HARM]),  # not a threat to anyone else
        ("I lost my job and I want to die", [SELF_HARM, LIFE_EVENT]),
        ("I'm going to kill him, I can't control it", [THREAT, HIGH_URGE]),
        ("alone with her kids and I feel hopeless", [SELF_HARM, VICTIM_ACCESS]),
        ("got evicted. she messaged me", [VICTIM_ACCESS, LIFE_EVENT]),
        ("estoy solo con los niños y no me puedo controlar", [VICTIM_ACCESS, HIGH_URGE]),
        ("mất việc rồi, tôi muốn chết", [SELF_HARM, LIFE_EVENT]),
        (
            "relapsed, urges are strong, she messaged me, gonna make him pay, want to die",
            [SELF_HARM, VICTIM_ACCESS, THREAT, HIGH_URGE, LIFE_EVENT],
        ),
        ("want to die. WANT TO DIE. i want to die", [SELF_HARM]),  # once each
    ],
)
def test_most_serious_first_without_duplicates(text, expected):
    assert detect(text, "en") == expected


# -- properties, for every shipped language --------------------------------------------

# Words people put around what matters, in every shipped language.
ORDINARY = [
    "hey", "so", "today", "ok", "lol", "and", "idk", "bro", "tonight", "anyway",
    "hoy", "pues", "oye", "bueno", "y", "ahorita", "gracias",
    "hôm nay", "rồi", "ạ", "nha", "thì", "tối qua", "và", "anh",
]  # fmt: skip
SEPARATORS = [" ", "  ", ", ", "... ", "! ", "\n", " 😞 ", "\t"]


def _without_marks(text: str) -> str:
    """As typed on a keyboard without accents or tone marks."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@st.composite
def listed_phrase(draw):
    language = draw(st.sampled_from(sorted(TABLE)))
    category = draw(st.sampled_from(CATEGORIES))
    phrase = draw(st.sampled_from(TABLE[language][category]))
    return language, category, phrase


def _embed(draw, phrase: str) -> str:
    before = draw(st.lists(st.sampled_from(ORDINARY), max_size=6))
    after = draw(st.lists(st.sampled_from(ORDINARY), max_size=6))
    sep = draw(st.sampled_from(SEPARATORS))
    tail = draw(st.sampled_from(["", ".", "!!", "?", " :(", "..."]))
    return sep.join([*before, phrase, *after]) + tail


@settings(max_examples=500)
@given(data=st.data(), listed=listed_phrase(), client=st.sampled_from(LANGUAGES))
def test_any_listed_phrase_among_ordinary_words_is_found(data, listed, client):
    _, category, phrase = listed
    shaped = data.draw(
        st.sampled_from([phrase, phrase.upper(), phrase.capitalize(), _without_marks(phrase)])
    )
    text = _embed(data.draw, shaped)
    assert Acute(category) in detect(text, client), text


@settings(max_examples=300)
@given(data=st.data(), listed=listed_phrase(), client=st.sampled_from(LANGUAGES))
def test_texting_forms_work_inside_phrases(data, listed, client):
    language, category, phrase = listed
    words = fold(phrase).split()
    # Each word that has a texting form ("không" -> "ko", "k", "hok") may be typed that way.
    forms = {}
    for short, usual in _spellings(language).items():
        if len(usual.split()) == 1:
            forms.setdefault(usual, []).append(short)
    typed = [data.draw(st.sampled_from([w, *forms.get(w, [])])) for w in words]
    text = _embed(data.draw, " ".join(typed))
    assert Acute(category) in detect(text, client), text


@settings(max_examples=300)
@given(text=st.text(max_size=2000), language=st.sampled_from([*LANGUAGES, "", "fr", "EN"]))
def test_never_raises_and_reports_each_category_once_in_order(text, language):
    found = detect(text, language)
    assert isinstance(found, list)
    assert len(found) == len(set(found))
    assert found == [c for c in SEVERITY if c in found]


@settings(max_examples=200)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
    | st.builds(" ".join, st.lists(st.sampled_from(ORDINARY), max_size=30)),
    a=st.sampled_from(LANGUAGES),
    b=st.sampled_from([*LANGUAGES, "fr"]),
)
def test_the_result_does_not_depend_on_the_client_language(text, a, b):
    assert detect(text, a) == detect(text, b)


def test_odd_inputs_give_nothing_rather_than_an_error():
    assert detect(None, "en") == []  # type: ignore[arg-type]
    assert detect("I want to die", None) == [SELF_HARM]  # type: ignore[arg-type]
    assert detect("\ud800 want to die", "en") == [SELF_HARM]  # a lone surrogate
    assert detect("\x00\x01\x02", "vi") == []
