"""The API_TOKEN of the apps the tests run in-process (servicekit.auth), and what their clients
send. The process stacks make their own (devtools.processes.Stack.api_token)."""

import secrets

API_TOKEN = secrets.token_urlsafe(32)
AUTH_HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}
