"""The console walkthrough (Markdown): a read-only service user, its token, the configuration, the check.

The endpoints listed are the steps' own declarations, so the page cannot drift from
what a run calls.
"""

from __future__ import annotations

from aws_integration.integrations.sentinelone.diagnose import EXPIRY_WARNING_DAYS, VIEWER_ROLE
from aws_integration.steps.registry import StepRegistry


def render_console_instructions(registry: StepRegistry) -> str:
    """Markdown a console administrator follows to give aws-integration read-only access."""
    rows = [f"| `{step.endpoint.name}` | {', '.join(f'`{entity.type}`' for entity in step.entities)} | "
            f"{step.endpoint.limit} |" for step in registry.steps]
    return "\n".join([
        "# Set up aws-integration for a SentinelOne console",
        "",
        "aws-integration reads the console's accounts, sites, groups and agents through the",
        "Management API v2.1 with one API token. Every call is a read (`GET`); the token never",
        "needs more than the read-only **Viewer** role.",
        "",
        "## 1. Create a dedicated service user",
        "",
        "In the console, open **Settings > Users > Service Users** and create a service user",
        "(for example `aws-integration-inventory`):",
        "",
        f"- **Role**: {VIEWER_ROLE} (read-only).",
        "- **Scope**: the account (to collect every site of it), or one site (an MSSP",
        "  tenant). A site-scoped token is refused `/accounts`; the run then reads the",
        "  accounts from the sites it sees, and its report says so.",
        "- **Expiration**: the longest your policy allows. `permissions` warns when fewer than",
        f"  {EXPIRY_WARNING_DAYS} days are left.",
        "",
        "A service user's token is not tied to a person: it survives people leaving, and a",
        "console user's own token expires after about six months.",
        "",
        "## 2. Generate the token and store it",
        "",
        "Generate the service user's API token and copy it once. Keep it where the runner",
        "reads it, never in the configuration file (files get logged and committed):",
        "",
        "```sh",
        "# an environment variable of the service that runs aws-integration",
        "export S1_API_TOKEN='<the token>'",
        "# or a file only the runner's user can read",
        "install -m 600 /dev/null /etc/aws-integration/s1-token && $EDITOR /etc/aws-integration/s1-token",
        "```",
        "",
        "## 3. Add the instance to the configuration",
        "",
        "```yaml",
        "instances:",
        "  - name: sentinelone",
        "    integration: sentinelone",
        "    managementUrl: https://<your-console>.sentinelone.net",
        "    apiToken: {fromEnv: S1_API_TOKEN}   # or {fromFile: /etc/aws-integration/s1-token}",
        "    accountName: Example Corp           # optional: tag.AccountName with tagWithAccountName",
        "    tagWithAccountName: false",
        "    pollingInterval: FOUR_HOURS         # DISABLED: only by hand",
        "    requestsPerSecond: 20               # the console's limits are not published",
        "```",
        "",
        "## 4. Check the token",
        "",
        "```sh",
        "aws-integration permissions --config config.yaml --instance sentinelone",
        "```",
        "",
        "It says whether the token is valid, when it expires, whether it is account- or",
        "site-scoped, and for each entity type whether a run will collect it. Exit code 0: all",
        "ready; 3: some types will be skipped; 2: the token was refused or the console not reached.",
        "",
        "## What a run calls",
        "",
        "| endpoint | entity types | rows per page |",
        "| --- | --- | --- |",
        *rows,
        "",
        "Before the steps, `GET /web/api/v2.1/system/info` checks the token; `permissions` also",
        "calls `POST /web/api/v2.1/users/api-token-details` to read the token's expiry.",
        "",
    ])


def console_instructions() -> str:
    """The walkthrough for the steps this project ships."""
    from aws_integration.integrations.sentinelone.steps import console_registry

    return render_console_instructions(console_registry())
