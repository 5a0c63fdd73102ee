from django import template
from django.core.paginator import Page

from aidsys.pagination import paginate

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """The current query string with only the page number changed: filters and other lists' pages stay."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def paged(context, rows, param: str = "page", per_page: int = 20) -> Page:
    """A page of `rows` in a partial that several screens include (操作记录), paged by `?<param>=`."""
    return paginate(context["request"], rows, per_page=per_page, param=param)
