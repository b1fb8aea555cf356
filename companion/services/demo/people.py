"""Who is in the demo: invented staff and a dozen invented clients, each with a plan.

Every name is invented and every phone number is fictional (+1 213 555-0100..0199).
Plan lines are in the client's own language and words, discreet enough for a lock
screen (DOMAIN.md, "The relapse-prevention plan"); what only staff read (a linked
need, a supervision condition) is in English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from companion.care.plan import empty_content
from companion.models import AppointmentKind, RiskLevel

# (role, email, name, phone for alerts, public phone clients may call)
STAFF: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("provider", "provider@demo.invalid", "Dana Reyes", "+12135550101", "+12135550100"),
    ("officer", "officer@demo.invalid", "Sam Okafor", "+12135550102", None),
    ("officer", "backup.officer@demo.invalid", "Kim Tran", "+12135550103", None),
    ("admin", "admin@demo.invalid", "Alex Morgan", None, None),
    ("examiner", "examiner@demo.invalid", "Robin Park", None, None),
)


@dataclass(frozen=True)
class Person:
    """One demo client: who they are, how they answer, and what their weeks held."""

    name: str
    phone: str
    language: str
    level: RiskLevel
    weeks: int  # how long ago they were enrolled
    topics: tuple[str, ...]
    plan: dict[str, Any]
    timezone: str = "America/Los_Angeles"
    times: tuple[str, ...] = ("10:00",)
    answer_rate: float = 0.85  # a check-in gets an answer
    bad_day_rate: float = 0.12  # an answer from a hard day
    examined: bool = False  # the polygraph examiner's examinee
    # What happened to them (history.py acts each one out at its moment):
    # "late_reply", "opt_out_and_return", "undelivered", "missed_run",
    # "high_urge_acknowledged", "life_event_acknowledged", "life_event_open",
    # "self_harm_acknowledged",
    # "missed_polygraph", "missed_session_acknowledged", "missed_checkins_acknowledged".
    story: tuple[str, ...] = ()
    # Upcoming appointments: (kind, days from now, local hour, location).
    appointments: tuple[tuple[AppointmentKind, int, int, str], ...] = field(default=())


def plan(
    signs: list[tuple[str, str]],
    situations: list[str],
    errors: list[tuple[str, str]],
    coping: list[tuple[str, str]],
    supports: list[tuple[str, str]],
    controls: list[str],
    goals: list[tuple[str, str, str]],
    key: str,
) -> dict[str, Any]:
    """A plan's content in care/plan.py's shape; ids are stable (``key`` + part + index)."""
    content = empty_content()

    def item(part: str, n: int, ok: bool, **fields: Any) -> dict[str, Any]:
        return {"id": f"{key}-{part}-{n}", "ok_to_text": ok, **fields}

    content["warning_signs"] = [
        item("ws", n, True, sign=s, response=r, need="") for n, (s, r) in enumerate(signs)
    ]
    content["high_risk_situations"] = [
        item("hr", n, False, situation=s, handling="avoid", condition="")
        for n, s in enumerate(situations)
    ]
    content["thinking_errors"] = [
        item("te", n, True, error=e, replacement=r) for n, (e, r) in enumerate(errors)
    ]
    content["coping_strategies"] = [
        item("cs", n, True, trigger=t, steps=s) for n, (t, s) in enumerate(coping)
    ]
    content["support_contacts"] = [
        item("sc", n, True, name=who, phone=phone, knows_plan=True, may_contact=n == 0)
        for n, (who, phone) in enumerate(supports)
    ]
    content["external_controls"] = [
        item("ec", n, False, condition=c, source="officer" if n else "court")
        for n, c in enumerate(controls)
    ]
    content["approach_goals"] = [
        item("ag", n, True, good=g, goal=goal, next_step=step)
        for n, (g, goal, step) in enumerate(goals)
    ]
    content["offense_chain_note"] = ""
    return content


CONTROLS = ["No contact with anyone under 18", "Curfew 22:00 to 06:00", "No alcohol"]
TREATMENT, GROUP = AppointmentKind.INDIVIDUAL, AppointmentKind.TREATMENT_GROUP
MEETING, POLYGRAPH, COURT = (
    AppointmentKind.SUPERVISION,
    AppointmentKind.POLYGRAPH,
    AppointmentKind.COURT,
)
OFFICE, FIELD_OFFICE, EXAM_ROOM = "Suite 4, 120 Main St", "Room 2, 300 Spring St", "Room 12"

PEOPLE: tuple[Person, ...] = (
    Person(
        "Marcus",
        "+12135550121",
        "en",
        RiskLevel.III,
        8,
        ("stress", "urges", "supports"),
        plan(
            [
                ("Skipping meals and staying up late", "Eat, then bed by 11"),
                ("Keeping to myself all weekend", "Call Lee on Saturday"),
            ],
            ["Going to the park on weekends"],
            [("Nobody would notice", "The people who matter notice")],
            [
                ("I feel wound up after work", "Walk around the block, then text Lee"),
                ("I can't sleep", "Slow breathing for 5 minutes"),
            ],
            [("Lee", "+12135550151"), ("Brother Tom", "+12135550152")],
            CONTROLS[:2],
            [("work", "Keep the warehouse job", "Ask about the forklift course")],
            "marcus",
        ),
        examined=True,
        story=("missed_checkins_acknowledged", "missed_polygraph"),
        appointments=(
            (TREATMENT, 1, 15, OFFICE),
            (POLYGRAPH, 9, 10, EXAM_ROOM),
            (MEETING, 4, 11, FIELD_OFFICE),
        ),
    ),  # fmt: skip
    Person(
        "Javier",
        "+12135550122",
        "es",
        RiskLevel.IVA,
        7,
        ("urges", "stress", "people"),
        plan(
            [
                ("Buscar excusas para salir solo de noche", "Quedarme en casa y llamar a Rosa"),
                ("Discutir con todos", "Salir a caminar diez minutos"),
            ],
            ["Ir a la feria del barrio"],
            [("Me lo merezco", "Merezco una vida tranquila")],
            [
                ("Cuando me siento solo", "Llamar a Rosa o ir al gimnasio"),
                ("Cuando no puedo dormir", "Respirar despacio y leer"),
            ],
            [("Rosa", "+12135550153"), ("Padre Luis", "+12135550154")],
            CONTROLS,
            [("relatedness", "Recuperar la confianza de mi hermana", "Cenar con ella el domingo")],
            "javier",
        ),
        answer_rate=0.93,
        bad_day_rate=0.2,
        story=("high_urge_acknowledged",),
        appointments=(
            (GROUP, 2, 18, OFFICE),
            (MEETING, 3, 9, FIELD_OFFICE),
            (COURT, 20, 9, "Dept. 5"),
        ),
    ),  # fmt: skip
    Person(
        "Minh",
        "+12135550123",
        "vi",
        RiskLevel.II,
        6,
        ("stress", "connected"),
        plan(
            [("Uống cà phê cả ngày và không ngủ", "Đi ngủ trước 11 giờ")],
            ["Đi chơi khuya với bạn cũ"],
            [("Không ai hiểu tôi", "Có người muốn giúp tôi")],
            [("Khi thấy căng thẳng", "Đi bộ và gọi cho chị Lan")],
            [("Chị Lan", "+12135550155")],
            CONTROLS[:1],
            [("community", "Giúp ở chùa mỗi tuần", "Hỏi thầy về lịch chủ nhật")],
            "minh",
        ),
        story=("opt_out_and_return",),
        appointments=((TREATMENT, 3, 14, OFFICE), (MEETING, 10, 10, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Wei",
        "+12135550124",
        "zh_Hant",
        RiskLevel.I,
        5,
        ("stress", "connected"),
        plan(
            [("整天待在房間不出門", "出去散步二十分鐘")],
            ["一個人去網咖"],
            [("反正沒人在乎", "家人還在乎我")],
            [("覺得煩躁的時候", "慢慢呼吸，然後打給阿明")],
            [("阿明", "+12135550156")],
            CONTROLS[:1],
            [("knowledge", "考到廚師證照", "報名社區大學的課")],
            "wei",
        ),
        answer_rate=0.9,
        appointments=((GROUP, 5, 18, OFFICE), (MEETING, 12, 10, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Jae-won",
        "+12135550125",
        "ko",
        RiskLevel.III,
        6,
        ("stress", "impulsive", "supports"),
        plan(
            [("밤늦게까지 혼자 술 생각이 날 때", "형에게 전화하기")],
            ["혼자 밤에 드라이브하기"],
            [("한 번쯤은 괜찮아", "한 번이 시작이다")],
            [("화가 날 때", "밖에 나가서 천천히 걷기")],
            [("형", "+12135550157")],
            CONTROLS,
            [("health", "매일 운동하기", "아침에 20분 걷기")],
            "jaewon",
        ),
        answer_rate=0.7,
        story=("missed_run",),
        appointments=((TREATMENT, 1, 11, OFFICE), (MEETING, 6, 15, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Paolo",
        "+12135550126",
        "tl",
        RiskLevel.II,
        5,
        ("stress", "coping"),
        plan(
            [("Puyat at laging galit", "Matulog nang maaga")],
            ["Mag-inuman kasama ang barkada"],
            [("Wala namang makakaalam", "Ako ang may pananagutan sa sarili ko")],
            [("Kapag stressed", "Maglakad at tawagan si Ate Grace")],
            [("Ate Grace", "+12135550158")],
            CONTROLS[:1],
            [("work", "Makahanap ng trabaho sa kusina", "Mag-apply sa dalawang restawran")],
            "paolo",
        ),
        story=("late_reply",),
        appointments=((GROUP, 2, 18, OFFICE), (MEETING, 8, 10, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Aram",
        "+12135550127",
        "hy",
        RiskLevel.IVB,
        5,
        ("urges", "stress", "plan_conditions"),
        plan(
            [("Գիշերը մենակ դուրս գալու միտք", "Մնալ տանը և զանգել Արմենին")],
            ["Երեկոյան մենակ քայլել այգում"],
            [("Ես չեմ կարող փոխվել", "Ես ամեն օր փոխվում եմ")],
            [("Երբ լարված եմ", "Դանդաղ շնչել և զանգել Արմենին")],
            [("Արմեն", "+12135550159")],
            CONTROLS,
            [("relatedness", "Լավ հարաբերություն մորս հետ", "Կիրակի այցելել նրան")],
            "aram",
        ),
        answer_rate=0.97,
        story=("undelivered",),
        appointments=((TREATMENT, 2, 10, OFFICE), (MEETING, 1, 14, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Dariush",
        "+12135550128",
        "fa",
        RiskLevel.III,
        6,
        ("stress", "substances", "connected"),
        plan(
            [("وقتی تمام روز در خانه می‌مانم", "بیرون رفتن و زنگ زدن به رضا")],
            ["مهمانی‌های شبانه"],
            [("هیچ‌کس به من اهمیت نمی‌دهد", "خانواده‌ام به من اهمیت می‌دهند")],
            [("وقتی عصبانی هستم", "ده دقیقه قدم زدن")],
            [("رضا", "+12135550160")],
            CONTROLS,
            [("inner peace", "آرامش بیشتر", "هر صبح ده دقیقه مدیتیشن")],
            "dariush",
        ),
        story=("life_event_acknowledged", "life_event_open"),
        appointments=((GROUP, 4, 18, OFFICE), (MEETING, 2, 11, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Dmitri",
        "+12135550129",
        "ru",
        RiskLevel.IVA,
        7,
        ("urges", "stress", "people"),
        plan(
            [("Не сплю и злюсь на всех", "Лечь спать до полуночи")],
            ["Ходить вечером мимо школы"],
            [("Это не моя вина", "Я отвечаю за свои поступки")],
            [("Когда тяжело", "Позвонить Ольге и выйти на улицу")],
            [("Ольга", "+12135550161")],
            CONTROLS,
            [("work", "Работать на стройке", "Позвонить бригадиру в понедельник")],
            "dmitri",
        ),
        examined=True,
        answer_rate=0.93,
        story=("missed_session_acknowledged",),
        appointments=(
            (TREATMENT, 2, 16, OFFICE),
            (POLYGRAPH, 6, 9, EXAM_ROOM),
            (MEETING, 5, 10, FIELD_OFFICE),
        ),
    ),  # fmt: skip
    Person(
        "Karim",
        "+12135550130",
        "ar",
        RiskLevel.II,
        4,
        ("stress", "connected"),
        plan(
            [("أبقى وحدي طوال اليوم", "أتصل بأخي سامي")],
            ["السهر خارج البيت"],
            [("لا أحد يفهمني", "هناك من يريد مساعدتي")],
            [("عندما أشعر بالضغط", "أمشي عشر دقائق وأتنفس ببطء")],
            [("سامي", "+12135550162")],
            CONTROLS[:1],
            [("spirituality", "الصلاة بانتظام", "الذهاب إلى المسجد يوم الجمعة")],
            "karim",
        ),
        timezone="America/New_York",
        appointments=((TREATMENT, 3, 13, OFFICE), (MEETING, 9, 10, FIELD_OFFICE)),
    ),  # fmt: skip
    Person(
        "Tyler",
        "+12135550131",
        "en",
        RiskLevel.IVB,
        8,
        ("stress", "urges", "stuck"),
        plan(
            [
                ("Telling myself I'm a lost cause", "Text my sponsor Ray"),
                ("Not answering anyone's calls", "Answer one call a day"),
            ],
            ["Being alone at home with nothing to do"],
            [("It's too late for me", "Every day I keep to my plan counts")],
            [
                ("When I feel hopeless", "Call Ray or 988, then go outside"),
                ("When I'm bored at night", "Play guitar, lights out by 11"),
            ],
            [("Ray", "+12135550163"), ("Mom", "+12135550164")],
            CONTROLS,
            [("creativity", "Play guitar with friends again", "Restring the guitar this week")],
            "tyler",
        ),
        answer_rate=0.97,
        bad_day_rate=0.18,
        story=("self_harm_acknowledged",),
        appointments=(
            (TREATMENT, 1, 13, OFFICE),
            (GROUP, 3, 18, OFFICE),
            (MEETING, 2, 9, FIELD_OFFICE),
        ),
    ),  # fmt: skip
    Person(
        "Lucía",
        "+12135550132",
        "es",
        RiskLevel.I,
        4,
        ("stress", "connected"),
        plan(
            [("Dejar de contestar a mi familia", "Llamar a mi prima Ana")],
            ["Salir de noche sin plan"],
            [("Nunca voy a cambiar", "Ya estoy cambiando, paso a paso")],
            [("Cuando me siento triste", "Escuchar música y salir a caminar")],
            [("Ana", "+12135550165")],
            CONTROLS[:1],
            [("pleasure", "Volver a cocinar para mis amigos", "Invitar a Ana el sábado")],
            "lucia",
        ),
        answer_rate=0.92,
        appointments=((GROUP, 4, 18, OFFICE), (MEETING, 11, 10, FIELD_OFFICE)),
    ),  # fmt: skip
)
