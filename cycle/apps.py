from django.apps import AppConfig


class CycleConfig(AppConfig):
    name = "cycle"
    verbose_name = "報告サイクル（メール・リマインダー・コメント）"

    def ready(self):
        from cycle.mail import entry_recorded
        from cycle.views import conversation_for
        from reporting.views import add_detail_panel, add_edit_form_attributes, add_periods_link
        from reporting.workflow import on_recorded

        on_recorded(entry_recorded)
        # Every row's page carries its conversation, withdrawal and "changed since you looked".
        add_detail_panel("cycle/entry_panel.html", conversation_for)
        # What is typed on an edit page is kept in the browser (static/js/cycle.js).
        add_edit_form_attributes("cycle/keep_typing.html")
        # Those who open and close periods see what reminders went out.
        add_periods_link("送信したリマインダー", "cycle:reminders")
