"""Names of the customer classes and value × potential cells in the report's language (the figure
labels and the text use the same words)."""

from __future__ import annotations

from ..core.i18n import tr


def class_label(name: str) -> str:
    return {"core": tr("core (VIP)", "核心客户"), "potential": tr("potential", "潜力客户"),
            "active": tr("active", "活跃客户"), "at_risk": tr("at risk", "风险客户"),
            "dormant": tr("dormant", "休眠客户"), "lost": tr("lost", "流失客户")}.get(name, name)


def cell_label(name: str) -> str:
    return {"keep": tr("keep", "保持"), "develop": tr("develop", "发展"), "maintain": tr("maintain", "维持"),
            "reconsider": tr("reconsider", "重新考虑")}.get(name, name)
