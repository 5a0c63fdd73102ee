"""What the reports' workbook writer costs over openpyxl's write-only mode writing the same cells alone.

In the same run:

- a county-wide 受助学生名单 of N lines (100,000 by default): the rows as the report gives them
  (dicts of the 名单's columns, made in memory from a generator, as `.values().iterator()` would
  stream them), written by `reports.workbook.write_workbook` (masks, formula check, formats, widths,
  totals, print set-up) against openpyxl's write-only mode appending the same cells, already masked;
- the registry's shape: 2,400 students of 20 columns through the same two paths.

Each is run once to warm up, then timed as the best of `REPEAT` runs. Prints the times, the ratio
(target: at most 1.5×) and the peak memory: tracemalloc's peak in a separate pass of each and the
process's maximum resident set size (target: under 200 MB).

    .venv/bin/python bench/report_export.py [N]
"""

import os
import sys
import tempfile
from datetime import date
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aidsys.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.utils import translation  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from aidsys.cn import mask_id_number  # noqa: E402
from bench.measure import best_of, maxrss_mb, traced  # noqa: E402
from reports.definitions import INTEGER, MONEY, Column, ReportData  # noqa: E402
from reports.workbook import write_workbook  # noqa: E402

REPEAT = 3
LIST_COLUMNS = [
    Column("number", "序号", INTEGER),
    Column("school", "学校"),
    Column("class", "班级"),
    Column("name", "姓名"),
    Column("gender", "性别"),
    Column("ethnicity", "民族"),
    Column("id_number", "身份证号", mask=mask_id_number),
    Column("special_groups", "特殊群体"),
    Column("tier", "档次"),
    Column("amount", "金额（元）", MONEY, total=True),
    Column("source_central", "其中：中央", MONEY, total=True),
    Column("source_province", "其中：省级", MONEY, total=True),
    Column("method", "发放方式"),
    Column("paid", "是否发放"),
]
REGISTRY_COLUMNS = [
    Column(f"c{index}", f"栏目{index}", mask=mask_id_number if index == 3 else None) for index in range(20)
]


def list_rows(count: int):
    amount, central, province = Decimal("625.00"), Decimal("500.00"), Decimal("125.00")
    for number in range(1, count + 1):
        yield {
            "number": number,
            "school": f"青山县第{number % 100 + 1}小学",
            "class": f"{number % 6 + 1}年级({number % 5 + 1})班",
            "name": f"学生{number}",
            "gender": "男" if number % 2 else "女",
            "ethnicity": "汉族",
            "id_number": f"43990120191008{number % 10000:04d}",
            "special_groups": "低保、单亲" if number % 7 == 0 else "",
            "tier": "困难",
            "amount": amount,
            "source_central": central,
            "source_province": province,
            "method": "银行卡",
            "paid": "已发放" if number % 3 else "未发放",
        }


def registry_rows(count: int):
    for number in range(1, count + 1):
        row = {f"c{index}": f"内容{index}-{number}" for index in range(20)}
        row["c0"], row["c3"] = number, f"43990120191008{number % 10000:04d}"
        yield row


def ours(columns, rows, count):
    data = ReportData(
        title="受助学生名单", unit="青山县", period="2026–2027学年秋季学期", columns=columns, rows=rows(count)
    )
    with tempfile.TemporaryFile() as stream:
        return write_workbook(data, stream, full=False, exported_on=date(2026, 11, 23))


def openpyxl_alone(columns, rows, count):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    keys = [column.key for column in columns]
    masks = [column.mask for column in columns]
    sheet.append([column.heading for column in columns])
    for row in rows(count):
        values = [row.get(key) for key in keys]
        sheet.append([mask(value) if mask and value else value for mask, value in zip(masks, values, strict=True)])
    with tempfile.TemporaryFile() as stream:
        workbook.save(stream)
    return count


def compare(label, columns, rows, count):
    baseline, _ = best_of(openpyxl_alone, columns, rows, count, repeat=REPEAT)
    measured, written = best_of(ours, columns, rows, count, repeat=REPEAT)
    assert written == count
    peak_baseline = traced(openpyxl_alone, columns, rows, count) / 2**20
    peak_ours = traced(ours, columns, rows, count) / 2**20
    print(f"{label}: {count:,} rows × {len(columns)} columns")
    print(f"  openpyxl write-only alone   {baseline:7.2f} s   tracemalloc peak {peak_baseline:6.1f} MB")
    print(f"  reports.workbook            {measured:7.2f} s   tracemalloc peak {peak_ours:6.1f} MB")
    print(f"  ratio                       {measured / baseline:7.2f}×  (target ≤ 1.5×)")


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with translation.override("zh-hans"):
        ours(LIST_COLUMNS, list_rows, 100)  # warm up: imports, translations
        compare("受助学生名单, county-wide", LIST_COLUMNS, list_rows, count)
        compare("registry shape, one school", REGISTRY_COLUMNS, registry_rows, 2_400)
    print(f"process peak resident memory {maxrss_mb():.0f} MB (target < 200 MB)")


if __name__ == "__main__":
    main()
