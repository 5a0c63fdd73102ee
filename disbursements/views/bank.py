"""Bank, aid-card and meal-card payments (打卡发放, 饭卡充值): the pages of the disbursement stage."""

urlpatterns = []
