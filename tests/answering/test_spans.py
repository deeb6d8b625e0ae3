import numpy as np

from qa_service.answering.question import analyse
from qa_service.answering.spans import SPAN_FEATURES, span_candidates, span_features
from qa_service.training.spans import span_label

CLAUSE = (
    "（二）支持企业技术改造。每年市级财政安排不低于1.4亿元资金,支持制造业企业实施设备更新和技术改造。"
    "对优质项目,按不超过项目固定资产投资额或设备采购额的15%予以资金补助,单个项目最高补助400万元。"
    "附件：申报表.docx"
)


def test_candidates_are_verbatim_phrase_runs_without_furniture() -> None:
    spans = span_candidates([CLAUSE])
    texts = {CLAUSE[s.start : s.end] for s in spans}
    assert "单个项目最高补助400万元" in texts
    assert all(CLAUSE[s.start : s.end] in CLAUSE for s in spans)
    assert not any("docx" in text for text in texts)


def test_features_shape_and_figure_match() -> None:
    analysis = analyse("柳州技改单个项目最多补多少钱？")
    spans = span_candidates([CLAUSE])
    features = span_features(analysis, [CLAUSE], spans, [1.0])
    assert features.shape == (len(spans), len(SPAN_FEATURES))
    column = SPAN_FEATURES.index("figure_match")
    by_text = {CLAUSE[s.start : s.end]: row for s, row in zip(spans, features, strict=True)}
    assert by_text["单个项目最高补助400万元"][column] == 1.0
    assert by_text["支持企业技术改造"][column] == 0.0
    assert np.isfinite(features).all()


def test_span_label_grades_key_facts() -> None:
    forms = [["400万元"], ["15%"]]
    assert span_label("单个项目最高补助400万元", forms) == 1
    assert span_label("按不超过…的15%予以资金补助,单个项目最高补助400万元", forms) == 3
    assert span_label("支持企业技术改造", forms) == 0
    assert span_label("按" + "很长" * 60 + "15%，400万元", forms) == 2
