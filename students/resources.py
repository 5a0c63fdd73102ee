"""The 学籍 roster format: its columns, their Chinese headers and the words its cells use.

The headers and cell words (男/女, 农村/城镇, 汉族, 一年级, 是/否) are the 学籍 system's data
format, fixed whatever language the interface speaks, so they are data here, not translations.
`StudentResource` lists the columns for django-import-export: exports write them, and
`students.imports` reads files (through `aidsys.spreadsheets`) with the same columns, header
synonyms and words. Imports do not go through the resource's own import (`import_data`): the
roster import validates every row with its own Chinese reasons and writes through the
registry's audited services.
"""

import re
import unicodedata
from dataclasses import dataclass

from import_export import resources, widgets
from import_export.fields import Field

from aidsys import cn
from aidsys.models import Grade, grade_stage
from students import privacy
from students.models import ETHNIC_GROUPS, EnrolmentStatus, Gender, Hukou, Relation, Student


def normalize_word(text: str) -> str:
    """Full-width forms to ASCII, no spaces anywhere, lower case: how cells and headers are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


@dataclass(frozen=True)
class RosterColumn:
    key: str
    header: str  # as the 学籍 export writes it
    synonyms: tuple[str, ...] = ()
    required: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.synonyms)


COLUMNS = (
    RosterColumn("name", "姓名", ("学生姓名",), required=True),
    RosterColumn("gender", "性别", ("姓别",), required=True),
    RosterColumn("id_number", "身份证号", ("身份证件号", "身份证号码", "身份证件号码", "学生身份证号"), required=True),
    RosterColumn("student_number", "学籍号", ("全国学籍号", "学籍号码")),
    RosterColumn("ethnicity", "民族"),
    RosterColumn("grade", "年级", required=True),
    RosterColumn("school_class", "班级", ("班级名称", "班号"), required=True),
    RosterColumn("hukou", "户籍性质", ("户口性质", "户籍类型", "户口类型"), required=True),
    RosterColumn("boarder", "是否寄宿", ("寄宿生", "是否寄宿生", "寄宿")),
    RosterColumn("guardian_name", "监护人姓名", ("监护人", "家长姓名")),
    RosterColumn("guardian_relation", "监护人关系", ("与学生关系", "监护人与学生关系")),
    RosterColumn(
        "guardian_phone", "监护人电话", ("监护人手机号", "监护人手机", "监护人联系电话", "联系电话", "家长电话")
    ),
    RosterColumn("status", "学籍状态", ("就读状态",)),
    RosterColumn("birth_date", "出生日期"),
    RosterColumn("township", "乡镇", ("乡镇街道", "乡镇(街道)", "乡(镇)")),
    RosterColumn("village", "村", ("村(社区)", "村(居)", "村社区")),
    RosterColumn("address_detail", "详细地址", ("家庭住址", "家庭地址", "现住址")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# What `aidsys.spreadsheets.find_header` looks for: each column's key and the headers naming it.
HEADER_ALIASES = {column.key: column.names for column in COLUMNS}

# The words a cell may hold, normalised with normalize_word; the first word of each value is
# the one exports write.
GENDER_WORDS = {"男": Gender.MALE, "女": Gender.FEMALE, "男性": Gender.MALE, "女性": Gender.FEMALE}
HUKOU_WORDS = {
    "农村": Hukou.RURAL,
    "城镇": Hukou.URBAN,
    "农业": Hukou.RURAL,
    "非农业": Hukou.URBAN,
    "城市": Hukou.URBAN,
}
BOARDER_WORDS = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "寄宿": True,
    "走读": False,
}
STATUS_WORDS = {
    "在读": EnrolmentStatus.ENROLLED,
    "转入": EnrolmentStatus.TRANSFERRED_IN,
    "转出": EnrolmentStatus.TRANSFERRED_OUT,
    "休学": EnrolmentStatus.SUSPENDED,
    "毕业": EnrolmentStatus.GRADUATED,
    "在校": EnrolmentStatus.ENROLLED,
}
RELATION_WORDS = {
    "父亲": Relation.FATHER,
    "母亲": Relation.MOTHER,
    "祖父母": Relation.GRANDPARENT,
    "兄弟姐妹": Relation.SIBLING,
    "本人": Relation.SELF,
    "其他": Relation.OTHER,
    **dict.fromkeys(("父", "爸爸"), Relation.FATHER),
    **dict.fromkeys(("母", "妈妈"), Relation.MOTHER),
    **dict.fromkeys(
        ("祖父", "祖母", "爷爷", "奶奶", "外祖父", "外祖母", "外公", "外婆", "外祖父母"), Relation.GRANDPARENT
    ),
    **dict.fromkeys(("哥哥", "姐姐", "兄", "姐", "兄长"), Relation.SIBLING),
}
# GB/T 3304, in the order of the codes 01–56.
ETHNIC_GROUP_NAMES = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]  # fmt: skip
ETHNICITY_WORDS = {
    **{name: code for (code, _label), name in zip(ETHNIC_GROUPS, ETHNIC_GROUP_NAMES, strict=True)},
    **{name.removesuffix("族"): code for (code, _label), name in zip(ETHNIC_GROUPS, ETHNIC_GROUP_NAMES, strict=True)},
    **{code: code for code, _label in ETHNIC_GROUPS},
}

CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_STAGE_PREFIXES = {"小学": 20, "初中": 30, "初": 30, "高中": 40, "高": 40, "中职": 50, "职高": 50}
_KINDERGARTEN = {"小班": Grade.K1, "中班": Grade.K2, "大班": Grade.K3}
_GRADE_PATTERN = re.compile(
    r"^(?P<prefix>小学|初中|高中|中职|职高|初|高)?(?P<number>\d{1,2}|[一二三四五六七八九十]{1,3})(年级)?$"
)
GRADE_WORDS = {
    **{grade: f"{'一二三四五六'[grade - 21]}年级" for grade in range(21, 27)},
    **{grade: f"{'七八九'[grade - 31]}年级" for grade in range(31, 34)},
    **{grade: f"高{'一二三'[grade - 41]}" for grade in range(41, 44)},
    **{grade: f"中职{'一二三'[grade - 51]}年级" for grade in range(51, 54)},
    **{grade: word for word, grade in _KINDERGARTEN.items()},
}


def chinese_number(text: str) -> int | None:
    """12, "12", "十二", "二十" → the number; None when the text is not one."""
    if text.isdigit():
        return int(text)
    if not text or any(character not in CHINESE_NUMBERS for character in text):
        return None
    if "十" not in text:
        return CHINESE_NUMBERS[text] if len(text) == 1 else None
    tens, _ten, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (CHINESE_NUMBERS[tens] if tens else 1) * 10 + (CHINESE_NUMBERS[units] if units else 0)


def parse_grade(text: str, stages) -> int | None:
    """The Grade code a 年级 cell means at a school of these stages, or None when it names no grade.

    一年级…六年级 are primary, 七年级…九年级 (初一…初三) junior, 十年级…十二年级 (高一…高三) senior;
    a school without a primary stage counts its own years: 一年级 of a senior school is 高一.
    """
    word = normalize_word(text)
    if word in _KINDERGARTEN:
        return _KINDERGARTEN[word]
    match = _GRADE_PATTERN.match(word)
    if not match:
        return None
    number = chinese_number(match["number"])
    prefix = match["prefix"]
    if number is None or number < 1:
        return None
    if prefix:
        base = _STAGE_PREFIXES[prefix]
        limit = 6 if base == 20 else 3
        return base + number if number <= limit else None
    if number > 12:
        return None
    absolute = 20 + number if number <= 6 else 30 + number - 6 if number <= 9 else 40 + number - 9
    if grade_stage(absolute) in stages or number > 3:
        return absolute
    secondary = [stage for stage in ("junior", "senior", "vocational") if stage in stages]
    if "primary" not in stages and len(secondary) == 1:
        return {"junior": 30, "senior": 40, "vocational": 50}[secondary[0]] + number
    return absolute


class WordsWidget(widgets.Widget):
    """A cell holding one of a few words (男/女): the word for export, the value for import."""

    def __init__(self, words: dict, **kwargs):
        super().__init__(**kwargs)
        self.words = words
        self.export_words = {}
        for word, value in words.items():
            self.export_words.setdefault(value, word)

    def clean(self, value, row=None, **kwargs):
        word = normalize_word(str(value)) if value is not None else ""
        if not word:
            return None
        if word not in self.words:
            raise ValueError(word)
        return self.words[word]

    def render(self, value, obj=None, **kwargs):
        return self.export_words.get(value, "") if value not in (None, "") else ""


class StudentResource(resources.ModelResource):
    """A school's roster in the 学籍 columns. Sensitive values are masked unless `masked=False`."""

    name = Field(attribute="name", column_name="姓名")
    gender = Field(attribute="gender", column_name="性别", widget=WordsWidget(GENDER_WORDS))
    id_number = Field(attribute="id_number", column_name="身份证号")
    student_number = Field(attribute="student_number", column_name="学籍号")
    ethnicity = Field(attribute="ethnicity", column_name="民族", widget=WordsWidget(ETHNICITY_WORDS))
    grade = Field(column_name="年级", readonly=True)
    school_class = Field(column_name="班级", readonly=True)
    hukou = Field(attribute="hukou", column_name="户籍性质", widget=WordsWidget(HUKOU_WORDS))
    boarder = Field(attribute="boarder", column_name="是否寄宿", widget=WordsWidget(BOARDER_WORDS))
    guardian_name = Field(attribute="guardian_name", column_name="监护人姓名")
    guardian_relation = Field(
        attribute="guardian_relation", column_name="监护人关系", widget=WordsWidget(RELATION_WORDS)
    )
    guardian_phone = Field(attribute="guardian_phone", column_name="监护人电话")
    status = Field(attribute="status", column_name="学籍状态", widget=WordsWidget(STATUS_WORDS))
    township = Field(attribute="household__township", column_name="乡镇", readonly=True)
    village = Field(attribute="household__village", column_name="村", readonly=True)
    address_detail = Field(attribute="household__address_detail", column_name="详细地址", readonly=True)

    class Meta:
        model = Student
        import_id_fields = ["id_number"]
        fields = [column.key for column in COLUMNS if column.key != "birth_date"]
        export_order = [column.key for column in COLUMNS if column.key != "birth_date"]

    def __init__(self, *, masked: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.masked = masked

    def get_queryset(self):
        return Student.objects.select_related("school_class", "household")

    def import_data(self, *args, **kwargs):
        raise NotImplementedError("rosters are imported by students.imports, through the audited services")

    def dehydrate_id_number(self, student):
        return cn.mask_id_number(student.id_number) if self.masked else student.id_number

    def dehydrate_student_number(self, student):
        # The national 学籍号 is G followed by the 身份证号: masked like it.
        return privacy.mask_student_number(student.student_number) if self.masked else student.student_number

    def dehydrate_guardian_phone(self, student):
        return cn.mask_mobile(student.guardian_phone) if self.masked else student.guardian_phone

    def dehydrate_village(self, student):
        return privacy.MASK if self.masked and student.household.village else student.household.village

    def dehydrate_address_detail(self, student):
        detail = student.household.address_detail
        return privacy.MASK if self.masked and detail else detail

    def dehydrate_grade(self, student):
        return GRADE_WORDS.get(student.school_class.grade, "") if student.school_class_id else ""

    def dehydrate_school_class(self, student):
        if not student.school_class_id:
            return ""
        return f"{GRADE_WORDS.get(student.school_class.grade, '')}({student.school_class.number})班"
