"""What the tests of long lists share: the queries a page costs, and the rows a page shows.

A list is paged and filtered in the database (aidsys.pagination): the queries for a page are the
same with N rows as with 10×N, and `assert_same_queries` says which ones differ when they are not.
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

PER_PAGE = 50


def queries_for(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


def assert_same_queries(client, url: str, grow) -> None:
    """The page at `url` costs the same queries before and after `grow()` adds nine times the rows."""
    client.get(url)  # once, so that what a process caches once (content types, …) is not counted
    before = queries_for(client, url)
    grow()
    after = queries_for(client, url)
    assert len(before) == len(after), "\n".join(["before:", *before, "", "after:", *after])


def texts_of(html: str, testid: str) -> list[str]:
    """The text of each element with data-testid=`testid` whose content has no further tags."""
    return re.findall(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)


def total_shown(html: str) -> int:
    """The 共 N 条 under a paged list (the first on the page)."""
    match = re.search(r'data-testid="pagination-count">共 (\d+) 条<', html)
    assert match, "no row count under the list"
    return int(match.group(1))
