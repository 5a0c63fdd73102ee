"""Every page names its icon, and /favicon.ico, which browsers ask for anyway, leads to it: no 404 per page."""

from django.templatetags.static import static


def test_pages_link_the_icon_and_favicon_ico_leads_to_it(cast, client_for, client):
    page = client_for(cast.wang).get("/").content.decode()
    icon = static("img/favicon.svg")
    assert f'rel="icon" type="image/svg+xml" href="{icon}"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon
