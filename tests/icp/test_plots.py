"""Notebook 01's figures, tables and executive summary."""

from __future__ import annotations

from abm_lab import icp


def test_report_helpers(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = icp.plot_lift(result.lifts, k=6)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 6 and "Industry: Software" in labels
    sv, D = result.shap(n_sample=200)
    fig2 = icp.plot_shap_summary(sv, D, k=5)
    assert len(fig2.axes[0].get_yticklabels()) == 5
    plt.close("all")
    txt = icp.executive_summary(result, {"spearman": 0.9, "auc_customers": 0.8, "auc_customers_oracle": 0.81})
    assert f"{int(result.y.sum()):,} customers" in txt and "0.90" in txt and result.rules.describe() in txt


def test_display_tables(result):
    cv = icp.format_cv_table(result.cv_table)
    assert set(cv["model"]) == {"logistic regression", "gradient-boosted model"}
    imp = icp.format_importance(result.importance, 4)
    assert len(imp) == 4 and "gradient boosting (mean |SHAP|)" in imp.columns


def test_feature_names_and_labels_text_read_as_words(result):
    from abm_lab.icp.plots import feature_label, labels_text

    assert feature_label("tech_crm") == "uses CRM" and feature_label("industry=Software") == "Industry: Software"
    assert feature_label("employee_band=200–999") == "200–999 employees"
    imp = icp.format_importance(result.importance, 4)
    assert imp.index.name == "feature" and not any("_" in str(x) for x in imp.index)
    txt = labels_text(result, 200)
    assert f"**{len(result.y):,} accounts, {int(result.y.sum()):,} customers**" in txt
    assert ("a lookalike model was fitted" in txt) == result.has_model and "True" not in txt
