"""AWS's own Step Functions API (JSON 1.0 over `POST /`), so boto3, the AWS CLI and every AWS
SDK work against the orchestrator by changing the endpoint.

protocol.py routes by `X-Amz-Target` and answers in AWS's shapes; sigv4.py checks Signature
Version 4 against AWS_API_KEYS; arns.py forms and reads ARNs; errors.py holds AWS's error codes;
state_machines.py, executions.py, tasks.py and tags.py hold one function per operation, each a
thin adapter over the Orchestrator, the Registry and small queries (catalog.py)."""
