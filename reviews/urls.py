from reviews.views import first_review, index, meetings, panel, revocation, second_review, signoff

app_name = "reviews"

urlpatterns = [
    *index.urlpatterns,
    *first_review.urlpatterns,
    *second_review.urlpatterns,
    *signoff.urlpatterns,
    *revocation.urlpatterns,
    *panel.urlpatterns,
    *meetings.urlpatterns,
]
