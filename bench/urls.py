from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import include, path


def empty_page(request):
    return render(request, "base.html")


urlpatterns = [
    # A signed-in page in the site's layout with nothing on it: what every page pays before its content.
    path("bench/empty-page/", login_required(empty_page)),
    path("", include("aidsys.urls")),
]
