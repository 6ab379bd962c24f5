"""The console: pages to see every state machine and execution, served by the orchestrator.

Server side it is only HTML shells and static files; the pages' ES modules read the control
API (and an execution's event stream) like any client."""
