"""One way to page a list: Django's Paginator over a queryset filtered and ordered in the database.

The page shows `per_page` rows and costs two queries whatever the list's length: the count and the
rows (plus the prefetches the queryset names). A page number out of range or not a number answers
the last or the first page, never an error.
"""

from django.core.paginator import Page, Paginator

PER_PAGE = 50


def paginate(request, queryset, *, per_page: int = PER_PAGE, param: str = "page") -> Page:
    """The page of `queryset` that `?<param>=` asks for; the template includes aidsys/_pagination.html."""
    return Paginator(queryset, per_page).get_page(request.GET.get(param))
