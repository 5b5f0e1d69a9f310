"""Unit and property tests for robot_core.transforms (Japanese value transforms)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robot_core import transforms

FAST = settings(max_examples=200, deadline=None, database=None)

FIRST_DAY = date(1868, 10, 23)
WAREKI_DATES = st.dates(min_value=FIRST_DAY, max_value=date(2100, 12, 31))
FULL_KATAKANA = st.text(
    alphabet=st.sampled_from(
        [chr(code) for code in range(0x30A1, 0x30F7)] + ["ー", "・", "ヷ", "ヺ"]
    ),
    min_size=1,
)
KATAKANA_WITH_HIRAGANA = st.text(
    alphabet=st.sampled_from([chr(code) for code in range(0x30A1, 0x30F7)]), min_size=1
)
HALF_KANA = st.text(alphabet=st.sampled_from([chr(code) for code in range(0xFF61, 0xFFA0)]))
PRINTABLE_ASCII = st.text(alphabet=st.sampled_from([chr(code) for code in range(0x20, 0x7F)]))
DIGITS = st.sampled_from("0123456789")
MY_NUMBER_WEIGHTS = (2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6)


def _my_number_remainder(first11: str) -> int:
    """Return the weighted digit sum mod 11 of a My Number base, per the published rule."""
    total = sum(int(c) * w for c, w in zip(reversed(first11), MY_NUMBER_WEIGHTS, strict=True))
    return total % 11


def _replace(text: str, index: int, char: str) -> str:
    """Return ``text`` with the character at ``index`` replaced by ``char``."""
    return text[:index] + char + text[index + 1 :]


# --- wareki ---------------------------------------------------------------------------

KNOWN_DATES = [
    (date(1989, 1, 7), "昭和", 64, "昭和64年1月7日", "S64.1.7"),
    (date(1989, 1, 8), "平成", 1, "平成元年1月8日", "H1.1.8"),
    (date(2019, 4, 30), "平成", 31, "平成31年4月30日", "H31.4.30"),
    (date(2019, 5, 1), "令和", 1, "令和元年5月1日", "R1.5.1"),
    (date(1926, 12, 24), "大正", 15, "大正15年12月24日", "T15.12.24"),
    (date(1926, 12, 25), "昭和", 1, "昭和元年12月25日", "S1.12.25"),
    (date(1912, 7, 29), "明治", 45, "明治45年7月29日", "M45.7.29"),
    (date(1912, 7, 30), "大正", 1, "大正元年7月30日", "T1.7.30"),
    (date(2025, 7, 16), "令和", 7, "令和7年7月16日", "R7.7.16"),
]


def test_eras_table() -> None:
    """ERAS lists the five modern eras oldest first with name, letter, short form and start."""
    assert [(e.name, e.letter, e.short, e.start) for e in transforms.ERAS] == [
        ("明治", "M", "明", date(1868, 10, 23)),
        ("大正", "T", "大", date(1912, 7, 30)),
        ("昭和", "S", "昭", date(1926, 12, 25)),
        ("平成", "H", "平", date(1989, 1, 8)),
        ("令和", "R", "令", date(2019, 5, 1)),
    ]


@pytest.mark.parametrize(("d", "era", "era_year", "kanji", "short"), KNOWN_DATES)
def test_known_era_boundaries(d: date, era: str, era_year: int, kanji: str, short: str) -> None:
    """Known boundary dates map to the right era, era year and both formatted styles."""
    found_era, found_year = transforms.to_wareki(d)
    assert (found_era.name, found_year) == (era, era_year)
    assert transforms.era_of(d) is found_era
    assert transforms.format_wareki(d) == kanji
    assert transforms.format_wareki(d, "short") == short
    assert transforms.wareki_era(d) == era
    assert transforms.wareki_era_letter(d) == found_era.letter
    assert transforms.wareki_year(d) == era_year


def test_era_of_rejects_dates_before_meiji() -> None:
    """A date before 1868-10-23 raises ValueError naming the date."""
    with pytest.raises(ValueError, match="1868-10-22"):
        transforms.era_of(date(1868, 10, 22))


def test_format_wareki_rejects_unknown_style() -> None:
    """An unknown style raises ValueError naming the style."""
    with pytest.raises(ValueError, match="'long'"):
        transforms.format_wareki(date(2025, 7, 16), "long")


def test_date_helpers_accept_datetime_and_strings() -> None:
    """Date-taking helpers reduce datetimes to dates and parse date strings."""
    moment = datetime(2019, 5, 1, 9, 30)
    assert transforms.format_wareki(moment) == "令和元年5月1日"
    assert transforms.wareki_era("2019/04/30") == "平成"
    assert transforms.wareki_year("R7.7.16") == 7
    assert (transforms.year("2025-07-16"), transforms.month(moment), transforms.day(moment)) == (
        2025,
        5,
        1,
    )
    assert transforms.strftime(date(2025, 7, 6), "%Y年%m月%d日") == "2025年07月06日"


@pytest.mark.parametrize("era", ["令和", "R", "r", "令", "Ｒ"])
def test_from_wareki_accepts_every_era_form(era: str) -> None:
    """from_wareki accepts the kanji name, letter in either case and the short kanji."""
    assert transforms.from_wareki(era, 7, 7, 16) == date(2025, 7, 16)


@pytest.mark.parametrize(
    ("era", "year", "month", "day"),
    [
        ("昭和", 65, 1, 1),
        ("平成", 31, 5, 1),
        ("令和", 1, 4, 30),
        ("明治", 1, 10, 22),
        ("大正", 0, 12, 1),
        ("令和", 7, 2, 30),
    ],
)
def test_from_wareki_rejects_dates_outside_the_era(
    era: str, year: int, month: int, day: int
) -> None:
    """A date outside its era, or an impossible date, raises ValueError naming it."""
    with pytest.raises(ValueError, match=f"{era}{year}年{month}月{day}日"):
        transforms.from_wareki(era, year, month, day)


def test_from_wareki_rejects_unknown_era() -> None:
    """An unknown era name raises ValueError naming it."""
    with pytest.raises(ValueError, match="'慶応'"):
        transforms.from_wareki("慶応", 1, 1, 1)


# --- parse_date -----------------------------------------------------------------------

PARSE_CASES = [
    ("2025/07/16", date(2025, 7, 16)),
    ("2025/7/16", date(2025, 7, 16)),
    ("2025-07-16", date(2025, 7, 16)),
    ("2025.7.16", date(2025, 7, 16)),
    ("20250716", date(2025, 7, 16)),
    ("2025年7月16日", date(2025, 7, 16)),
    ("令和7年7月16日", date(2025, 7, 16)),
    ("令和元年5月1日", date(2019, 5, 1)),
    ("R7.7.16", date(2025, 7, 16)),
    ("R07.07.16", date(2025, 7, 16)),
    ("r7.7.16", date(2025, 7, 16)),
    ("令7.7.16", date(2025, 7, 16)),
    ("H1.1.8", date(1989, 1, 8)),
    ("H元.1.8", date(1989, 1, 8)),
    ("２０２５／０７／１６", date(2025, 7, 16)),
    ("令和７年７月１６日", date(2025, 7, 16)),
    ("  2025/07/16  ", date(2025, 7, 16)),
    ("\u3000令和7年7月16日\u3000", date(2025, 7, 16)),
    ("S64.1.7", date(1989, 1, 7)),
    ("M1.10.23", date(1868, 10, 23)),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_parse_date_formats(text: str, expected: date) -> None:
    """parse_date reads every supported Western and wareki string format."""
    assert transforms.parse_date(text) == expected


def test_parse_date_passes_dates_and_truncates_datetimes() -> None:
    """A date is returned unchanged and a datetime is reduced to its date."""
    assert transforms.parse_date(date(2025, 7, 16)) == date(2025, 7, 16)
    result = transforms.parse_date(datetime(2025, 7, 16, 23, 59))
    assert result == date(2025, 7, 16)
    assert type(result) is date


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "2025/13/01",
        "2025/02/30",
        "2025/07-16",
        "2025716",
        "令和",
        "R7",
        "X7.7.16",
        "昭和65年1月1日",
        "平成31年5月1日",
        "令和1年4月30日",
        "2025-07-16T00:00:00",
        20250716,
        None,
    ],
)
def test_parse_date_rejects_invalid_values(value: object) -> None:
    """Anything that is not a supported date raises ValueError naming the value."""
    with pytest.raises(ValueError, match=re.escape(f"not a date: {value!r}")):
        transforms.parse_date(value)


@FAST
@given(WAREKI_DATES, st.sampled_from(["kanji", "short"]))
def test_wareki_format_parse_round_trip(d: date, style: str) -> None:
    """Parsing a formatted wareki date gives back the original date in both styles."""
    assert transforms.parse_date(transforms.format_wareki(d, style)) == d


@FAST
@given(WAREKI_DATES)
def test_to_wareki_from_wareki_round_trip(d: date) -> None:
    """from_wareki inverts to_wareki for every date from Meiji to 2100."""
    era, era_year = transforms.to_wareki(d)
    assert transforms.from_wareki(era.name, era_year, d.month, d.day) == d
    assert transforms.from_wareki(era.letter, era_year, d.month, d.day) == d


# --- width ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("half", "full"),
    [
        ("ABC xyz 123!~", "ＡＢＣ\u3000ｘｙｚ\u3000１２３！～"),
        ("ｶﾞｷﾞﾊﾟﾎﾟ", "ガギパポ"),
        ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
        ("ｱﾞ", "ア゛"),
        ("｢ﾃｽﾄ｣､ｰ･｡", "「テスト」、ー・。"),
    ],
)
def test_zenkaku_examples(half: str, full: str) -> None:
    """zenkaku widens ASCII and half-width kana, combining voiced marks into one char."""
    assert transforms.zenkaku(half) == full


def test_zenkaku_leaves_other_characters() -> None:
    """zenkaku keeps kanji, hiragana, full-width text and control characters as they are."""
    assert transforms.zenkaku("漢字ひらがなカナ\t\n") == "漢字ひらがなカナ\t\n"


@pytest.mark.parametrize(
    ("full", "half"),
    [
        ("ＡＢＣ\u3000ｘｙｚ\u3000１２３！～", "ABC xyz 123!~"),
        ("ガギパポヴ", "ｶﾞｷﾞﾊﾟﾎﾟｳﾞ"),
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("山田太郎やまだ", "山田太郎やまだ"),
        ("ヰヱヵヶ", "ヰヱヵヶ"),
    ],
)
def test_hankaku_examples(full: str, half: str) -> None:
    """hankaku narrows full-width ASCII, spaces and katakana and leaves kanji and hiragana."""
    assert transforms.hankaku(full) == half


def test_digit_width_helpers_touch_digits_only() -> None:
    """hankaku_digits and zenkaku_digits convert digits and nothing else."""
    assert transforms.hankaku_digits("ＴＥＬ０３－１２３４") == "ＴＥＬ03－1234"
    assert transforms.zenkaku_digits("TEL03-1234") == "TEL０３-１２３４"


@FAST
@given(FULL_KATAKANA)
def test_zenkaku_inverts_hankaku_on_katakana(s: str) -> None:
    """zenkaku(hankaku(s)) gives back any string of full-width katakana."""
    assert transforms.zenkaku(transforms.hankaku(s)) == s


@FAST
@given(st.one_of(HALF_KANA, PRINTABLE_ASCII))
def test_hankaku_inverts_zenkaku_on_half_width(s: str) -> None:
    """hankaku(zenkaku(s)) gives back any string of printable ASCII or half-width kana."""
    assert transforms.hankaku(transforms.zenkaku(s)) == s


@FAST
@given(st.text())
def test_width_transforms_are_idempotent(s: str) -> None:
    """Applying zenkaku or hankaku twice gives the same result as applying it once."""
    once = transforms.zenkaku(s)
    assert transforms.zenkaku(once) == once
    once = transforms.hankaku(s)
    assert transforms.hankaku(once) == once


# --- kana -----------------------------------------------------------------------------


def test_kana_examples() -> None:
    """katakana and hiragana swap scripts, leaving characters with no counterpart."""
    assert transforms.katakana("やまだ たろう ゔ 山田") == "ヤマダ タロウ ヴ 山田"
    assert transforms.hiragana("ヤマダ・タロー ヴ ヷ") == "やまだ・たろー ゔ ヷ"


@FAST
@given(KATAKANA_WITH_HIRAGANA)
def test_katakana_inverts_hiragana(s: str) -> None:
    """katakana(hiragana(s)) gives back any katakana that has hiragana counterparts."""
    assert transforms.katakana(transforms.hiragana(s)) == s


@FAST
@given(st.text())
def test_katakana_is_idempotent(s: str) -> None:
    """Applying katakana twice gives the same result as applying it once."""
    once = transforms.katakana(s)
    assert transforms.katakana(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ヤマダ", True),
        ("ヤマダ　タロウ", True),
        ("ジョン・スミス", True),
        ("ヴァー", True),
        ("", False),
        ("ﾔﾏﾀﾞ", False),
        ("やまだ", False),
        ("ヤマダ タロウ", False),
        ("山田", False),
        ("ヷ", False),
    ],
)
def test_is_katakana(text: str, expected: bool) -> None:
    """is_katakana accepts only non-empty full-width katakana, ー, ・ and U+3000."""
    assert transforms.is_katakana(text) is expected


# --- postal and phone -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["1000001", "100-0001", "〒100－0001", "１００－０００１", "〒 100 0001 ", "\u3000100ー0001"],
)
def test_postal_code_normalises(text: str) -> None:
    """Every accepted postal-code spelling normalises to NNN-NNNN."""
    assert transforms.postal_code(text) == "100-0001"


@pytest.mark.parametrize("text", ["", "100001", "10000011", "1000-001", "abc-defg", "100-0001x"])
def test_postal_code_rejects_non_codes(text: str) -> None:
    """Anything that is not 7 digits raises ValueError naming the value."""
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        transforms.postal_code(text)


@FAST
@given(st.lists(DIGITS, min_size=7, max_size=7), st.sampled_from(["", "-", "－", "〒"]))
def test_postal_code_is_idempotent(chars: list[str], decoration: str) -> None:
    """postal_code of a normalised code is the code itself."""
    code = "".join(chars)
    raw = f"〒{code}" if decoration == "〒" else f"{code[:3]}{decoration}{code[3:]}"
    once = transforms.postal_code(raw)
    assert once == f"{code[:3]}-{code[3:]}"
    assert transforms.postal_code(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("０１４２－５５－１２３４", "0142-55-1234"),
        ("0142‐55‐1234", "0142-55-1234"),
        ("0142ー55ー1234", "0142-55-1234"),
        ("0142−55−1234", "0142-55-1234"),
        ("09012345678", "090-1234-5678"),
        ("０８０１２３４５６７８", "080-1234-5678"),
        ("07012345678", "070-1234-5678"),
        ("05012345678", "050-1234-5678"),
        ("0312345678", "03-1234-5678"),
        ("0612345678", "06-1234-5678"),
        ("0452345678", "045-234-5678"),
        ("0120123456", "0120-123-456"),
        ("08001234567", "0800-123-4567"),
        ("03(1234)5678", "03-1234-5678"),
        (" 090-1234-5678 ", "090-1234-5678"),
    ],
)
def test_phone_normalises(text: str, expected: str) -> None:
    """phone converts to ASCII, keeps given hyphens and formats bare 10/11-digit numbers."""
    assert transforms.phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "110",
        "1234567890",
        "012345678",
        "090123456789",
        "01234567890",
        "+81-3-1234-5678",
        "03-12-34-5678",
        "03-1234-567a",
    ],
)
def test_phone_rejects_non_numbers(text: str) -> None:
    """Numbers that are not 10/11 digits starting with 0 raise ValueError naming the value."""
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        transforms.phone(text)


# --- spaces and names -----------------------------------------------------------------


def test_trim_strips_ascii_and_full_width_spaces() -> None:
    """trim removes ASCII whitespace and U+3000 at both ends only."""
    assert transforms.trim(" \u3000山田\u3000太郎 \t\u3000") == "山田\u3000太郎"


@FAST
@given(st.text())
def test_trim_is_idempotent(s: str) -> None:
    """Applying trim twice gives the same result as applying it once."""
    once = transforms.trim(s)
    assert transforms.trim(once) == once


@pytest.mark.parametrize(
    "text", ["山田 太郎", "山田\u3000太郎", "  山田 \u3000 太郎\u3000", "山田\u3000\u3000太郎"]
)
def test_split_name(text: str) -> None:
    """split_name splits at the first run of ASCII or full-width spaces."""
    assert transforms.split_name(text) == ("山田", "太郎")
    assert transforms.family_name(text) == "山田"
    assert transforms.given_name(text) == "太郎"


def test_split_name_keeps_later_spaces_in_given_name() -> None:
    """Only the first run of spaces separates family from given name."""
    assert transforms.split_name("Smith John Paul") == ("Smith", "John Paul")


@pytest.mark.parametrize("text", ["山田太郎", "", "\u3000山田太郎 "])
def test_split_name_requires_a_space(text: str) -> None:
    """A name without an inner space raises ValueError naming the value."""
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        transforms.split_name(text)


# --- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("123456789018", True),  # weighted sum 212, 212 mod 11 = 3, check 11 - 3 = 8
        ("111111111118", True),  # weighted sum 47, 47 mod 11 = 3, check 8
        ("000000000000", True),  # remainder 0, check 0
        ("000000000060", True),  # weighted sum 12, remainder 1, check 0
        ("123456789012", False),
        ("12345678901", False),
        ("1234567890123", False),
        ("12345678901a", False),
        ("１２３４５６７８９０１８", False),
        ("1234-5678-9018", False),
        ("", False),
    ],
)
def test_is_my_number_examples(number: str, valid: bool) -> None:
    """is_my_number accepts exactly 12 ASCII digits with the right check digit."""
    assert transforms.is_my_number(number) is valid


def test_my_number_check_digit_rejects_bad_base() -> None:
    """A base that is not 11 ASCII digits raises ValueError naming it."""
    with pytest.raises(ValueError, match="'1234'"):
        transforms.my_number_check_digit("1234")


@FAST
@given(st.lists(DIGITS, min_size=11, max_size=11))
def test_my_number_check_digit_round_trip(chars: list[str]) -> None:
    """Appending the computed check digit to any 11 digits gives a valid My Number."""
    first11 = "".join(chars)
    check = transforms.my_number_check_digit(first11)
    assert 0 <= check <= 9
    assert transforms.is_my_number(f"{first11}{check}")


@FAST
@given(st.lists(DIGITS, min_size=11, max_size=11), DIGITS)
def test_my_number_detects_changed_check_digit(chars: list[str], other: str) -> None:
    """Replacing the check digit with any other digit makes the number invalid."""
    first11 = "".join(chars)
    check = str(transforms.my_number_check_digit(first11))
    assert transforms.is_my_number(first11 + other) is (other == check)


@FAST
@given(st.lists(DIGITS, min_size=11, max_size=11), st.integers(0, 10), DIGITS)
def test_my_number_single_digit_changes(chars: list[str], index: int, new: str) -> None:
    """A one-digit change in the base goes unnoticed only when both remainders are 0 or 1."""
    first11 = "".join(chars)
    number = first11 + str(transforms.my_number_check_digit(first11))
    changed = _replace(first11, index, new)
    both_low = _my_number_remainder(first11) <= 1 and _my_number_remainder(changed) <= 1
    assert transforms.is_my_number(changed + number[11]) is (changed == first11 or both_low)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("7000012050002", True),  # base sum 11, 11 mod 9 = 2, check 9 - 2 = 7
        ("5010401067252", True),  # base sum 40, 40 mod 9 = 4, check 9 - 4 = 5
        ("8000012050002", False),
        ("7000012050003", False),
        ("700001205000", False),
        ("70000120500021", False),
        ("700001205000a", False),
        ("７０００１２０５０００２", False),
    ],
)
def test_is_corporate_number_examples(number: str, valid: bool) -> None:
    """is_corporate_number accepts 13 ASCII digits led by the right check digit."""
    assert transforms.is_corporate_number(number) is valid


def test_corporate_number_check_digit_rejects_bad_base() -> None:
    """A base that is not 12 ASCII digits raises ValueError naming it."""
    with pytest.raises(ValueError, match="'12'"):
        transforms.corporate_number_check_digit("12")


@FAST
@given(st.lists(DIGITS, min_size=12, max_size=12), DIGITS)
def test_corporate_number_round_trip(chars: list[str], other: str) -> None:
    """Prefixing the computed check digit is valid; any other leading digit is not."""
    base = "".join(chars)
    check = transforms.corporate_number_check_digit(base)
    assert 1 <= check <= 9
    assert transforms.is_corporate_number(f"{check}{base}")
    assert transforms.is_corporate_number(other + base) is (other == str(check))


@FAST
@given(st.lists(DIGITS, min_size=12, max_size=12), st.integers(0, 11), DIGITS)
def test_corporate_number_single_digit_changes(chars: list[str], index: int, new: str) -> None:
    """A one-digit change in the base goes unnoticed only when it swaps 0 and 9."""
    base = "".join(chars)
    check = str(transforms.corporate_number_check_digit(base))
    changed = _replace(base, index, new)
    unnoticed = changed == base or {base[index], new} == {"0", "9"}
    assert transforms.is_corporate_number(check + changed) is unnoticed


def test_digits_keeps_only_digits() -> None:
    """digits keeps ASCII and full-width digits (as ASCII) and drops everything else."""
    assert transforms.digits("〒１００-0001 TEL:03") == "100000103"
    assert transforms.digits("なし") == ""


# --- registry -------------------------------------------------------------------------


def test_filters_registry() -> None:
    """FILTERS exposes the documented names, each mapped to a callable."""
    expected = {
        "zfill",
        "zenkaku",
        "hankaku",
        "hankaku_digits",
        "zenkaku_digits",
        "katakana",
        "hiragana",
        "postal_code",
        "phone",
        "trim",
        "family_name",
        "given_name",
        "digits",
        "wareki_era",
        "wareki_era_letter",
        "wareki_year",
        "wareki",
        "date",
        "year",
        "month",
        "day",
        "strftime",
    }
    assert set(transforms.FILTERS) == expected
    assert transforms.FILTERS["wareki"] is transforms.format_wareki
    assert transforms.FILTERS["date"] is transforms.parse_date
    assert all(callable(func) for func in transforms.FILTERS.values())
