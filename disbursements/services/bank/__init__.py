"""打卡发放 and 饭卡充值: the bank file (代发文件) and its cover sheet, the canteen's top-up list
(files.py); the bank's or canteen's return file (回盘文件) and follow-up batches of failed lines (returns.py).
"""

from disbursements.services.bank.files import (
    CARD_METHODS,
    CSV_TYPE,
    RECONCILED_METHODS,
    XLSX_TYPE,
    Export,
    bank_cover_sheet_print,
    bank_file_content,
    bank_file_export,
    bank_file_rows,
    bank_layout_save,
    cover_sheet_context,
    layout_columns_checked,
    meal_card_list_export,
    require_approved,
)
from disbursements.services.bank.returns import (
    ReturnRow,
    account_corrected,
    follow_up_batch_create,
    repayable_lines,
    return_file_import,
    return_rows_read,
)

__all__ = [
    "CARD_METHODS",
    "CSV_TYPE",
    "RECONCILED_METHODS",
    "XLSX_TYPE",
    "Export",
    "ReturnRow",
    "account_corrected",
    "bank_cover_sheet_print",
    "bank_file_content",
    "bank_file_export",
    "bank_file_rows",
    "bank_layout_save",
    "cover_sheet_context",
    "follow_up_batch_create",
    "layout_columns_checked",
    "meal_card_list_export",
    "repayable_lines",
    "require_approved",
    "return_file_import",
    "return_rows_read",
]
