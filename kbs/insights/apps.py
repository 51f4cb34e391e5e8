from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "kbs.insights"
    verbose_name = "Insights: measures, rollups, dashboard and report"
