from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


def empty_page(request):
    return render(request, "base.html")


urlpatterns = [
    path("bench/trivial/", trivial),
    # The same, for a signed-in user: the session and user lookups every page of the system pays.
    path("bench/trivial-signed-in/", login_required(trivial)),
    # A signed-in page in the site's layout with nothing on it: what every page pays before its content.
    path("bench/empty-page/", login_required(empty_page)),
    path("", include("aidsys.urls")),
]
