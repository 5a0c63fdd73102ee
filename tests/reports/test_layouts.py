"""The national upload layouts: county staff save, change and delete them (audited); apply_layout orders,
renames and drops the 名单's columns."""

from decimal import Decimal

from aidsys.models import AuditEvent
from reports.definitions import MONEY, Column, ReportData
from reports.layouts import NationalLayout, apply_layout


def form_data(layout_name, **places):
    data = {"name": layout_name}
    for field, (place, heading) in places.items():
        data[f"{field}_place"] = place
        data[f"{field}_heading"] = heading
    return data


class TestPages:
    def test_county_staff_save_a_layout_in_their_order(self, cast, client_for):
        client = client_for(cast.zhao)
        response = client.post(
            "/reports/layouts/new/",
            form_data("全国系统2026", id_number=(1, "身份证件号"), name=(2, "学生姓名"), amount=(3, "金额")),
        )
        assert response.status_code == 302
        layout = NationalLayout.objects.get()
        assert (layout.county, layout.name, layout.created_by) == (cast.county, "全国系统2026", cast.zhao)
        assert layout.columns == [
            {"field": "id_number", "heading": "身份证件号"},
            {"field": "name", "heading": "学生姓名"},
            {"field": "amount", "heading": "金额"},
        ]
        assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_repr="全国系统2026").exists()
        assert "学生姓名" in client.get("/reports/layouts/").content.decode()

    def test_two_fields_in_one_column_or_a_column_without_heading_are_refused(self, cast, client_for):
        client = client_for(cast.zhao)
        response = client.post("/reports/layouts/new/", form_data("甲", name=(1, "姓名"), amount=(1, "金额")))
        assert response.status_code == 400
        response = client.post("/reports/layouts/new/", form_data("甲", name=(1, "")))
        assert response.status_code == 400
        assert not NationalLayout.objects.exists()

    def test_a_name_is_unique_in_the_county(self, cast, client_for):
        client = client_for(cast.zhao)
        client.post("/reports/layouts/new/", form_data("甲", name=(1, "姓名")))
        response = client.post("/reports/layouts/new/", form_data("甲", school=(1, "学校")))
        assert response.status_code == 400
        assert "已有名为甲的格式" in response.content.decode()

    def test_edit_and_delete_are_audited(self, cast, client_for):
        client = client_for(cast.zhao)
        client.post("/reports/layouts/new/", form_data("甲", name=(1, "姓名")))
        layout = NationalLayout.objects.get()
        response = client.post(
            f"/reports/layouts/{layout.pk}/edit/", form_data("乙", name=(2, "姓名"), tier=(1, "档次"))
        )
        assert response.status_code == 302
        layout.refresh_from_db()
        assert (layout.name, layout.updated_by, [c["field"] for c in layout.columns]) == (
            "乙",
            cast.zhao,
            ["tier", "name"],
        )
        update = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_id=str(layout.pk))
        assert update.changes["name"] == ["甲", "乙"]
        assert client.post(f"/reports/layouts/{layout.pk}/delete/").status_code == 302
        assert not NationalLayout.objects.exists()
        assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE, object_id=str(layout.pk)).exists()

    def test_another_county_s_layout_is_not_found_and_a_school_may_not_keep_layouts(self, cast, client_for):
        layout = NationalLayout.objects.create(
            county=cast.other_county, name="白水", columns=[{"field": "name", "heading": "姓名"}], created_by=cast.admin
        )
        assert client_for(cast.zhao).get(f"/reports/layouts/{layout.pk}/edit/").status_code == 404
        assert client_for(cast.zhao).post(f"/reports/layouts/{layout.pk}/delete/").status_code == 404
        assert client_for(cast.li).get("/reports/layouts/new/").status_code == 403
        assert NationalLayout.objects.exists()


def roster():
    columns = [
        Column("school", "学校"),
        Column("name", "姓名"),
        Column("id_number", "身份证号", mask=lambda v: "****"),
        Column("amount", "金额", MONEY, total=True),
        Column("source_central", "中央"),
        Column("source_province", "省级"),
        Column("paid", "是否发放"),
    ]
    row = {"school": "实验小学", "name": "王小明", "id_number": "430", "amount": Decimal("625.00")}
    return ReportData(title="受助学生名单", unit="青山县", period="2026秋", columns=columns, rows=[row])


def test_apply_layout_orders_renames_and_drops_columns():
    layout = NationalLayout(
        columns=[
            {"field": "id_number", "heading": "证件号码"},
            {"field": "name", "heading": "学生姓名"},
            {"field": "sources", "heading": "资金-"},
            {"field": "ethnicity", "heading": "民族"},
        ]
    )
    data = apply_layout(roster(), layout)
    assert [(c.key, c.heading) for c in data.columns] == [
        ("id_number", "证件号码"),
        ("name", "学生姓名"),
        ("source_central", "资金-中央"),
        ("source_province", "资金-省级"),
    ]
    # The mask and the kind go with the column; the rows are the 名单's own.
    assert data.columns[0].mask("430") == "****"
    assert data.rows == roster().rows and data.title == "受助学生名单"
