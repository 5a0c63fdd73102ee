"""The registry's admin: no 身份证号 or 学籍号 shown, searched or edited there; students come from the import."""

from aidsys.models import AuditEvent
from students.models import Student
from tests.factories import StudentFactory

CHANGE_LIST = "/admin/students/student/"


def form_data(response) -> dict:
    """What the change form would post back as it stands."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, False):
            data[name] = "on" if value is True else value
    return data


class TestStudentAdmin:
    def test_the_change_page_shows_neither_the_id_number_nor_the_student_number_nor_the_birth_date(
        self, cast, client_for
    ):
        student = StudentFactory(school_class=cast.class_1)
        response = client_for(cast.admin).get(f"{CHANGE_LIST}{student.pk}/change/")
        assert response.status_code == 200
        html = response.content.decode()
        assert student.id_number not in html and student.id_number[6:14] not in html
        assert "2019-10-08" not in html
        assert not {"id_number", "student_number", "birth_date"} & set(response.context["adminform"].form.fields)

    def test_the_list_is_searched_by_name_not_by_student_number(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1, name="王小明")
        client = client_for(cast.admin)
        assert client.get(CHANGE_LIST, {"q": "王小明"}).context["cl"].result_count == 1
        found = client.get(CHANGE_LIST, {"q": student.student_number})
        assert found.context["cl"].result_count == 0

    def test_students_are_not_added_here_but_imported(self, cast, client_for):
        client = client_for(cast.admin)
        assert client.get(f"{CHANGE_LIST}add/").status_code == 403
        html = client.get(CHANGE_LIST).content.decode()
        assert f'href="{CHANGE_LIST}add/"' not in html
        assert f"{CHANGE_LIST}import/" in html

    def test_a_change_saves_without_the_hidden_fields_and_is_audited(self, cast, client_for):
        student = StudentFactory(school_class=cast.class_1, name="王小明")
        client = client_for(cast.admin)
        url = f"{CHANGE_LIST}{student.pk}/change/"
        data = {**form_data(client.get(url)), "name": "王晓明"}
        assert client.post(url, data).status_code == 302
        stored = Student.objects.get(pk=student.pk)
        assert (stored.name, stored.id_number, stored.birth_date) == ("王晓明", student.id_number, student.birth_date)
        event = AuditEvent.objects.for_object(stored).get()
        assert event.actor == cast.admin and event.changes["name"] == ["王小明", "王晓明"]
