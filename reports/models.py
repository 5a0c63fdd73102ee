from reports.layouts import NationalLayout  # noqa: F401
