from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """The current query string with only the page number changed: filters and other lists' pages stay."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()
