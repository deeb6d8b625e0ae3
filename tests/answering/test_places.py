from qa_service.answering.places import covers_place, levels_in, places_in, province_of_number


def _names(text: str) -> set[str]:
    return {place.name for place in places_in(text)}


def test_places_in_chinese_short_and_full_names() -> None:
    assert _names("昆明对企业技改项目最高补助多少？") == {"昆明市"}
    assert _names("广西壮族自治区的规定") == {"广西壮族自治区"}
    assert _names("柳州市人民政府关于印发") == {"柳州市"}


def test_places_in_traditional_and_pinyin() -> None:
    assert _names("柳州對技改項目補多少") == {"柳州市"}
    assert _names("How much does Liuzhou give in Guangxi?") == {"柳州市", "广西壮族自治区"}


def test_ambiguous_short_names_need_their_full_form() -> None:
    assert _names("两份文件大同小异") == set()
    assert _names("大同市的规定") == {"大同市"}


def test_longest_name_wins() -> None:
    assert {p.level for p in places_in("吉林省")} == {"province"}


def test_province_of_number() -> None:
    place = province_of_number("桂工信规范〔2025〕2号")
    assert place is not None and place.name == "广西壮族自治区"
    assert province_of_number("柳政规〔2025〕3号") is None
    assert province_of_number(None) is None


def test_covers_place_city_in_province() -> None:
    (liuzhou,) = places_in("柳州")
    (guangxi,) = places_in("广西")
    (kunming,) = places_in("昆明")
    assert covers_place(liuzhou, frozenset({guangxi}))
    assert covers_place(guangxi, frozenset({liuzhou}))
    assert not covers_place(kunming, frozenset({guangxi, liuzhou}))


def test_levels_in() -> None:
    assert levels_in("国家级企业技术中心") == {"national"}
    assert levels_in("自治区级企业技术中心") == {"provincial"}
    assert levels_in("企业技术中心") == frozenset()
