from reviews.views import first_review, panel, revocation, second_review, signoff

app_name = "reviews"

urlpatterns = [
    *first_review.urlpatterns,
    *second_review.urlpatterns,
    *signoff.urlpatterns,
    *revocation.urlpatterns,
    *panel.urlpatterns,
]
