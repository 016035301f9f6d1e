from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from . import live
from .views import account, checkins, data, manage, notifications, pages, roadmap, writing

urlpatterns = [
    path("", pages.cockpit, name="cockpit"),
    path("strategy/", pages.strategy, name="strategy"),
    path("strategy/node/<slug:key>/", pages.strategy_node, name="strategy_node"),
    path("people/options/", pages.people_options, name="people_options"),
    path("units/options/", pages.unit_options, name="unit_options"),
    path("strategy/one-page/", pages.one_page, name="one_page"),
    path("objectives/new/", writing.objective_create, name="objective_create"),
    path("objectives/<slug:key>/", pages.objective, name="objective"),
    path("objectives/<slug:key>/edit/", writing.objective_edit, name="objective_edit"),
    path(
        "objectives/<slug:key>/key-results/new/",
        writing.key_result_create,
        name="key_result_create",
    ),
    path(
        "objectives/<slug:key>/<str:transition>/", writing.transition, name="objective_transition"
    ),
    path("key-results/<slug:key>/edit/", writing.key_result_edit, name="key_result_edit"),
    path("key-results/<slug:key>/check-in/", checkins.check_in, name="check_in"),
    path("check-ins/<int:pk>/fix/", checkins.fix_check_in, name="fix_check_in"),
    path("my/", checkins.my_key_results, name="my_key_results"),
    path("inbox/", writing.inbox, name="inbox"),
    path("roadmap/", roadmap.roadmap, name="roadmap"),
    path("roadmap/<slug:view>/", roadmap.roadmap, name="roadmap_view"),
    path("initiatives/new/", roadmap.initiative_form, name="initiative_create"),
    path("initiatives/<slug:key>/", roadmap.initiative, name="initiative"),
    path("initiatives/<slug:key>/edit/", roadmap.initiative_form, name="initiative_edit"),
    path("initiatives/<slug:key>/move/", roadmap.move, name="initiative_move"),
    path("manage/", manage.index, name="manage"),
    path("manage/units/", manage.units, name="manage_units"),
    path("manage/units/<slug:key>/", manage.unit, name="manage_unit"),
    path("manage/people/", manage.people, name="manage_people"),
    path("manage/invitations/<int:pk>/revoke/", manage.revoke_invitation, name="revoke_invitation"),
    path("invitations/<int:pk>/<str:what>/", account.answer_invitation, name="invitation"),
    path("manage/people/<str:email>/", manage.person, name="manage_person"),
    path("manage/cycles/", manage.cycles, name="manage_cycles"),
    path("manage/cycles/<slug:key>/", manage.cycle, name="manage_cycle"),
    path("manage/webhooks/", notifications.webhooks, name="manage_webhooks"),
    path("sources/", data.sources, name="sources"),
    path("sources/<slug:key>/", data.source, name="source"),
    path("sources/<slug:key>/<str:what>/", data.source_action, name="source_action"),
    path("held/<int:pk>/<str:what>/", data.held_decide, name="held_decide"),
    path("feedback/", data.feedback_page, name="feedback"),
    path("feedback/<int:pk>/links/", data.feedback_link, name="feedback_link"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("live/", live.live, name="live"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        account.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/organization/", account.switch_organization, name="switch_organization"),
    path("account/language/", account.choose_language, name="choose_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", pages.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/pilote/favicon.svg", permanent=True)),
]
