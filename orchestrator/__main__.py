from orchestrator.app import create_app
from orchestrator.settings import OrchestratorSettings
from servicekit.serve import serve

settings = OrchestratorSettings()
serve(create_app(settings), settings.http_host, settings.port, settings.log_level)
