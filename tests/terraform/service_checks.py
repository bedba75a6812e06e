"""Wiring rules of the two Cloud Run services (the REST API and the notifier), their push subscription and their
container builds, as functions over a parsed `hcl.Module` (or the repository's build files).

Same contract as `checks.py`: each check returns a list of problems (empty = the rule holds); the tests run every
check on the real module and on copies with one link removed, so a check that cannot fail shows up as a failing
test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.terraform.checks import (
    PROJECT_IAM,
    PUBLIC_MEMBERS,
    PUBSUB_AGENT,
    RUN_IAM,
    SECRET_IAM,
    TOPIC_IAM,
    grants,
    is_public_api_grant,
    members_of,
    one_sa,
    project_roles_of,
    sa_refs,
)
from tests.terraform.hcl import Module, as_text

RUN_SERVICE = "google_cloud_run_v2_service"
SA_IAM = ("google_service_account_iam_member", "google_service_account_iam_binding")
BUCKET_IAM = ("google_storage_bucket_iam_member", "google_storage_bucket_iam_binding")
SUBSCRIPTION = "google_pubsub_subscription"
TOKEN_CREATOR = "roles/iam.serviceAccountTokenCreator"
ACCESSOR = "roles/secretmanager.secretAccessor"

# service -> the identity it runs as.
SERVICE_ACCOUNTS = {"api": "sa[api]", "notifier": "sa[notifier]"}

_STORAGE = {
    "BOOKGEN_STORAGE": "gcs",
    "BOOKGEN_RAW_BUCKET": "google_storage_bucket.raw.name",
    "BOOKGEN_PROCESSED_BUCKET": "google_storage_bucket.processed.name",
    "BOOKGEN_GCP_PROJECT": "var.project_id",
    "GOOGLE_CLOUD_PROJECT": "var.project_id",
}
# What each service reads: name -> the literal value it must have, or the expression it must come from.
SERVICE_SETTINGS = {
    "api": _STORAGE | {
        "BOOKGEN_EVENTS": "pubsub",
        "BOOKGEN_REQUESTS_TOPIC": 'google_pubsub_topic.topic["book-requests"].id',
        "BOOKGEN_NOTIFICATIONS_TOPIC": 'google_pubsub_topic.topic["book-notifications"].id',
    },
    "notifier": _STORAGE | {
        # Download links in webhooks point at the API.
        "BOOKGEN_API_PUBLIC_URL": f"{RUN_SERVICE}.api.uri",
    },
}
# The secret every service reads, and the env var it becomes.
KEYS_ENV, KEYS_SECRET = "BOOKGEN_API_KEYS", "google_secret_manager_secret.api_keys"

# service -> bucket -> the one role its identity has there. Both write raw/ records (create + overwrite, which
# needs delete: objectUser) and only read processed/ (objectViewer).
BUCKET_ROLES = {
    "api": {"raw": "roles/storage.objectUser", "processed": "roles/storage.objectViewer"},
    "notifier": {"raw": "roles/storage.objectUser", "processed": "roles/storage.objectViewer"},
}


# --- helpers ----------------------------------------------------------------------------------------

def service(module: Module, name: str, problems: list[str]) -> dict[str, Any] | None:
    body = module.of_type(RUN_SERVICE).get(name)
    if body is None:
        problems.append(f"no {RUN_SERVICE}.{name}")
    return body


def container(body: dict[str, Any]) -> dict[str, Any]:
    return ((body.get("template") or [{}])[0].get("containers") or [{}])[0]


def template(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("template") or [{}])[0]


def merge_args(expr: Any) -> list[str]:
    """The top-level arguments of `${merge(a, b, c ? {} : {K = v})}` (commas inside braces or parentheses do not
    split); [] when the expression is not a merge()."""
    m = re.fullmatch(r"\$\{merge\((.*)\)\}", as_text(expr), re.S)
    if not m:
        return []
    args, depth, current = [], 0, ""
    for ch in m.group(1):
        if ch == "," and depth == 0:
            args.append(current.strip())
            current = ""
            continue
        depth += ch in "({["
        depth -= ch in ")}]"
        current += ch
    return args + [current.strip()] if current.strip() else args


def container_env(module: Module, body: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """(name -> value, or the `value_source` block) of a service's container, and the arguments of the merge() its
    `dynamic "env"` iterates. Locals in that merge contribute their map literal, an inline `{K = v}` its key."""
    spec = container(body)
    env: dict[str, Any] = {}
    args: list[str] = []
    for dynamic in spec.get("dynamic", []):
        block = dynamic.get("env")
        if not block:
            continue
        args = merge_args(block.get("for_each"))
        for arg in args:
            m = re.fullmatch(r"local\.(\w+)", arg)
            if m and isinstance(module.locals.get(m.group(1)), dict):
                env.update(module.locals[m.group(1)])
            for key, value in re.findall(r"\{(\w+)\s*=\s*([^}]+)\}", arg):
                env[key] = "${" + value.strip() + "}"
    for block in spec.get("env", []):
        env[block.get("name")] = block["value_source"][0] if block.get("value_source") else block.get("value")
    return env, args


def run_invokers(module: Module, name: str) -> list[tuple[str, dict[str, Any]]]:
    """(address, grant) of every roles/run.invoker grant on google_cloud_run_v2_service.<name>, including
    conditional ones this reader cannot expand."""
    out = []
    for rtype in RUN_IAM:
        for rname, body in module.of_type(rtype).items():
            if body.get("role") == "roles/run.invoker" and \
                    re.search(rf"{RUN_SERVICE}\.{name}\.name\b", as_text(body.get("name", body.get("service")))):
                out.append((f"{rtype}.{rname}", body))
    return out


def sa_grants_on(module: Module, sa: str, role: str) -> list[dict[str, Any]]:
    """Grants of `role` on the service account `sa` itself (google_service_account_iam_*)."""
    return [b for b in grants(module, SA_IAM).values()
            if b.get("role") == role and sa in sa_refs(b.get("service_account_id"))]


def optional_default(module: Module, variable: str, field: str) -> Any:
    """The default of `field = optional(type, default)` in an object variable's type."""
    m = re.search(rf"\b{field}\s*=\s*optional\(\w+,\s*\"?([^\")]+)\"?\)", str(module.variables.get(variable, {})
                                                                          .get("type", "")))
    return None if m is None else (int(m.group(1)) if m.group(1).isdigit() else m.group(1))


# --- the rules --------------------------------------------------------------------------------------

def check_service_env(module: Module, settings: dict[str, dict[str, str]] = SERVICE_SETTINGS) -> list[str]:
    """Each service gets the settings its adapters read, from a local map that var.<service>_env cannot
    override; the API sets BOOKGEN_API_PUBLIC_URL only from var.api_public_url."""
    problems: list[str] = []
    for name, wanted in settings.items():
        body = service(module, name, problems)
        if body is None:
            continue
        address = f"{RUN_SERVICE}.{name}"
        env, args = container_env(module, body)
        for key, want in wanted.items():
            got = env.get(key)
            if got is None:
                problems.append(f"{address}: the container env lacks {key}")
            elif got != want and want not in as_text(got):
                problems.append(f"{address}: {key} is {got!r}, expected {want!r}")
        user, managed = f"var.{name}_env", f"local.{name}_env"
        if managed not in args:
            problems.append(f'{address}: dynamic "env" must iterate merge(..., {managed})')
        elif user in args and args.index(user) > args.index(managed):
            problems.append(f"{address}: {user} must come before {managed} in merge()")
    api = module.of_type(RUN_SERVICE).get("api")
    if api is not None:
        url = container_env(module, api)[0].get("BOOKGEN_API_PUBLIC_URL")
        if url is not None and "var.api_public_url" not in as_text(url):
            problems.append(f"{RUN_SERVICE}.api: BOOKGEN_API_PUBLIC_URL must come from var.api_public_url, is {url!r}")
    return problems


def check_env_names_are_settings(module: Module, fields: set[str]) -> list[str]:
    """Every BOOKGEN_* name the module sets (functions and services) is a field of bookgen.settings.Settings, so
    a typo cannot silently leave a setting at its default."""
    names: dict[str, str] = {}
    for local in ("function_env", "api_env", "notifier_env"):
        for key in module.locals.get(local) or {}:
            names[key] = f"local.{local}"
    for name, body in module.of_type(RUN_SERVICE).items():
        for key in container_env(module, body)[0]:
            names.setdefault(key, f"{RUN_SERVICE}.{name}")
    return [f"{where}: {key} is not a bookgen setting (no field {key[8:].lower()!r} in Settings)"
            for key, where in sorted(names.items())
            if key.startswith("BOOKGEN_") and key[8:].lower() not in fields]


def check_service_identities(module: Module, accounts: dict[str, str] = SERVICE_ACCOUNTS) -> list[str]:
    """Each service runs as its own service account, none as another's."""
    problems: list[str] = []
    for name, want in accounts.items():
        body = service(module, name, problems)
        if body is None:
            continue
        got = one_sa(template(body).get("service_account"), f"{RUN_SERVICE}.{name}.template.service_account",
                     problems)
        if got is not None and got != want:
            problems.append(f"{RUN_SERVICE}.{name} runs as {got}, expected its own {want}")
    return problems


def check_service_secrets(module: Module) -> list[str]:
    """Each service reads BOOKGEN_API_KEYS from the api-keys secret (never a plain value), its identity has
    secretAccessor on that secret itself, the service waits for that grant, and the module creates no secret
    versions (their values would be in the state)."""
    problems: list[str] = []
    accessors = {a: b for a, b in grants(module, SECRET_IAM).items() if b.get("role") == ACCESSOR}
    for name, sa in SERVICE_ACCOUNTS.items():
        body = service(module, name, problems)
        if body is None:
            continue
        address = f"{RUN_SERVICE}.{name}"
        value = container_env(module, body)[0].get(KEYS_ENV)
        ref = (value.get("secret_key_ref") or [{}])[0] if isinstance(value, dict) else {}
        if not re.search(rf"{re.escape(KEYS_SECRET)}\b", as_text(ref.get("secret"))):
            problems.append(f"{address}: {KEYS_ENV} must come from value_source.secret_key_ref of {KEYS_SECRET}")
            continue
        granted = [a for a, b in accessors.items() if re.search(rf"{re.escape(KEYS_SECRET)}\b",
                                                              as_text(b.get("secret_id")))
                   and any(sa in sa_refs(m) for m in members_of(b))]
        if not granted:
            problems.append(f"{address}: its service account ({sa}) lacks {ACCESSOR} on {KEYS_SECRET}")
        elif not any(a.split("[")[0] in as_text(body.get("depends_on")) for a in granted):
            problems.append(f"{address}: must depend_on {granted[0]} (Cloud Run checks the secret at deploy time)")
    if ACCESSOR in {r for sa in SERVICE_ACCOUNTS.values() for r in project_roles_of(module, sa)}:
        problems.append(f"{ACCESSOR} is granted on the project: grant it on the secret only")
    problems += [f"google_secret_manager_secret_version.{n}: secret values must not pass through Terraform"
                 for n in module.of_type("google_secret_manager_secret_version")]
    return problems


def check_api_grants(module: Module) -> list[str]:
    """The API publishes to book-requests only, signs URLs as itself (token creator on its own account, with
    the IAM Credentials API on) and holds no project-level role."""
    problems: list[str] = []
    sa = SERVICE_ACCOUNTS["api"]
    topics = [as_text(b.get("topic")) for b in grants(module, TOPIC_IAM).values()
              if any(sa in sa_refs(m) for m in members_of(b))]
    if not any('["book-requests"]' in t for t in topics):
        problems.append(f"the API's service account ({sa}) cannot publish to book-requests")
    problems += [f"the API's service account ({sa}) has a role on {t}: it may publish to book-requests only"
                 for t in topics if '["book-requests"]' not in t]
    if not any(sa in sa_refs(m) for b in sa_grants_on(module, sa, TOKEN_CREATOR) for m in members_of(b)):
        problems.append(f"the API's service account ({sa}) lacks {TOKEN_CREATOR} on itself (signBlob for signed URLs)")
    if "iamcredentials.googleapis.com" not in (module.locals.get("apis") or {}):
        problems.append("iamcredentials.googleapis.com is not enabled (signBlob for signed URLs)")
    problems += [f"the API's service account ({sa}) has the project-level role {r}"
                 for r in sorted(project_roles_of(module, sa))]
    return problems


def check_service_buckets(module: Module, roles: dict[str, dict[str, str]] = BUCKET_ROLES) -> list[str]:
    """Each service holds exactly the expected role on each bucket, and nothing on the others."""
    problems = []
    held: dict[tuple[str, str], set[str]] = {}
    for body in grants(module, BUCKET_IAM).values():
        bucket = re.search(r"google_storage_bucket\.(\w+)", as_text(body.get("bucket")))
        for name, sa in SERVICE_ACCOUNTS.items():
            if bucket and any(sa in sa_refs(m) for m in members_of(body)):
                held.setdefault((name, bucket.group(1)), set()).add(body.get("role"))
    for name, wanted in roles.items():
        for bucket, role in wanted.items():
            got = held.pop((name, bucket), set())
            if got != {role}:
                problems.append(f"the {name} service's account holds {sorted(got)} on the {bucket} bucket, "
                                f"expected [{role!r}]")
    problems += [f"the {name} service's account holds {sorted(r)} on the {b} bucket, which it does not use"
                 for (name, b), r in sorted(held.items())]
    return problems


def check_service_access(module: Module) -> list[str]:
    """The API is public through one run.invoker grant guarded by var.api_public (default true); the notifier
    is invoked by exactly one identity and by nobody public."""
    problems = []
    public = [(a, b) for a, b in run_invokers(module, "api")
              if any(p in as_text(b.get("for_each")) or p in as_text(members_of(b)) for p in PUBLIC_MEMBERS)]
    if len(public) != 1:
        problems.append(f"expected one public run.invoker grant on {RUN_SERVICE}.api, found {len(public)}")
    problems += [f"{a}: the public grant must be guarded by var.api_public" for a, b in public
                 if not is_public_api_grant(a.split(".")[0], b)]
    if module.variables.get("api_public", {}).get("default") is not True:
        problems.append("variable api_public must default to true")
    notifier = module.of_type(RUN_SERVICE).get("notifier")
    if notifier is not None and notifier.get("invoker_iam_disabled") not in (None, False):
        problems.append(f"{RUN_SERVICE}.notifier: invoker_iam_disabled turns its IAM check off")
    members = [m for _, b in run_invokers(module, "notifier") for m in members_of(b)]
    problems += [f"{RUN_SERVICE}.notifier: invoked by {m}" for m in members
                 if any(p in as_text(m) for p in PUBLIC_MEMBERS) or not sa_refs(m)]
    if len({ref for m in members for ref in sa_refs(m)}) != 1:
        problems.append(f"{RUN_SERVICE}.notifier: exactly one identity (the push one) may invoke it, "
                        f"found {members}")
    for body in grants(module, PROJECT_IAM).values():
        if body.get("role") in ("roles/run.invoker", "roles/run.servicesInvoker"):
            problems.append(f"{body.get('role')} on the project would let {members_of(body)} invoke every service")
    return problems


def check_notifier_push(module: Module) -> list[str]:
    """book-notifications pushes to <notifier uri>/pubsub/push with an OIDC token of an identity that may invoke
    the notifier and whose tokens the Pub/Sub service agent may mint; the ack deadline is the notifier's request
    timeout (that it covers the webhook retries is a precondition Terraform evaluates: test_terraform_cli.py);
    retry and dead-letter policies stay."""
    problems: list[str] = []
    subs = {a: b for a, b in module.all_instances(SUBSCRIPTION).items()
            if re.search(r'google_pubsub_topic\.topic\["book-notifications"\]', as_text(b.get("topic")))}
    if len(subs) != 1:
        return [f"expected one subscription on book-notifications, found {sorted(subs)}"]
    address, sub = next(iter(subs.items()))
    push = (sub.get("push_config") or [None])[0]
    if push is None:
        return [f"{address}: must push to the notifier (no push_config)"]
    if push.get("push_endpoint") != f"${{{RUN_SERVICE}.notifier.uri}}/pubsub/push":
        problems.append(f"{address}: push_endpoint must be <notifier uri>/pubsub/push, is {push.get('push_endpoint')!r}")
    oidc = (push.get("oidc_token") or [None])[0]
    if oidc is None:
        return problems + [f"{address}: push_config needs an oidc_token (the notifier is not public)"]
    if oidc.get("audience") not in (None, f"${{{RUN_SERVICE}.notifier.uri}}"):
        problems.append(f"{address}: the token's audience must be the notifier's uri, is {oidc.get('audience')!r}")
    sa = one_sa(oidc.get("service_account_email"), f"{address}.push_config.oidc_token.service_account_email", problems)
    if sa is not None:
        invokers = [a for a, b in run_invokers(module, "notifier") if any(sa in sa_refs(m) for m in members_of(b))]
        if not invokers:
            problems.append(f"the push identity ({sa}) lacks roles/run.invoker on {RUN_SERVICE}.notifier")
        elif not any(a.split("[")[0] in as_text(sub.get("depends_on")) for a in invokers):
            problems.append(f"{address}: must depend_on {invokers[0]} (the first push needs the grant)")
        if not any(PUBSUB_AGENT.search(module.resolve_local(m))
                   for b in sa_grants_on(module, sa, TOKEN_CREATOR) for m in members_of(b)):
            problems.append(f"the Pub/Sub service agent lacks {TOKEN_CREATOR} on the push identity ({sa})")
    notifier = module.of_type(RUN_SERVICE).get("notifier") or {}
    timeout = as_text(template(notifier).get("timeout"))
    ack = as_text(sub.get("ack_deadline_seconds"))
    if not timeout.endswith("s") or timeout[:-1] != ack:
        problems.append(f"{address}: ack_deadline_seconds ({ack!r}) must be the notifier's timeout ({timeout!r})")
    problems += [f"{address}: {block} must stay" for block in ("retry_policy", "dead_letter_policy")
                 if not sub.get(block)]
    return problems


def check_webhook_defaults(module: Module, defaults: dict[str, Any]) -> list[str]:
    """The retry settings the notifier.tf budget assumes are those of bookgen.settings (BOOKGEN_WEBHOOK_*)."""
    assumed = module.locals.get("webhook_defaults") or {}
    problems = [f"local.webhook_defaults lacks {k}" for k in sorted(defaults) if k not in assumed]
    problems += [f"local.webhook_defaults.{k} is {assumed[k]!r}, bookgen.settings says {v!r}"
                 for k, v in sorted(defaults.items()) if k in assumed and float(assumed[k]) != float(v)]
    precondition = as_text(module.of_type(RUN_SERVICE).get("notifier", {}).get("lifecycle"))
    if "local.webhook_budget_s" not in precondition or "var.notifier_scaling.timeout_seconds" not in precondition:
        problems.append(f"{RUN_SERVICE}.notifier: no precondition keeping the webhook retries within its timeout")
    return problems


def check_service_images(module: Module) -> list[str]:
    """Each service's image is var.<service>_image: required (no default), with a validation."""
    problems: list[str] = []
    for name in SERVICE_ACCOUNTS:
        body = service(module, name, problems)
        if body is None:
            continue
        want = f"{name}_image"
        image = container(body).get("image")
        if image != f"${{var.{want}}}":
            problems.append(f"{RUN_SERVICE}.{name}: image must be var.{want}, is {image!r}")
        variable = module.variables.get(want)
        if variable is None:
            problems.append(f"variable {want} is missing")
        elif "default" in variable or not variable.get("validation"):
            problems.append(f"variable {want} must be required (no default) and validated")
    return problems


def check_service_scaling(module: Module) -> list[str]:
    """Each service takes its concurrency, instance limits, timeout, CPU and memory from var.<service>_scaling."""
    problems: list[str] = []
    for name in SERVICE_ACCOUNTS:
        body = service(module, name, problems)
        if body is None:
            continue
        tpl, limits = template(body), ((container(body).get("resources") or [{}])[0].get("limits") or {})
        scaling = (tpl.get("scaling") or [{}])[0]
        wiring = {
            "max_instance_request_concurrency": (tpl.get("max_instance_request_concurrency"), "concurrency"),
            "scaling.min_instance_count": (scaling.get("min_instance_count"), "min_instances"),
            "scaling.max_instance_count": (scaling.get("max_instance_count"), "max_instances"),
            "timeout": (tpl.get("timeout"), "timeout_seconds"),
            "limits.cpu": (limits.get("cpu"), "cpu"),
            "limits.memory": (limits.get("memory"), "memory"),
        }
        problems += [f"{RUN_SERVICE}.{name}: {arg} must come from var.{name}_scaling.{field}, is {got!r}"
                     for arg, (got, field) in wiring.items()
                     if not re.search(rf"var\.{name}_scaling\.{field}\b", as_text(got))]
    return problems


def check_service_outputs(module: Module) -> list[str]:
    """api_url and notifier_url are the services' URIs."""
    problems = []
    for name in SERVICE_ACCOUNTS:
        value = as_text(module.outputs.get(f"{name}_url", {}).get("value"))
        if value != f"${{{RUN_SERVICE}.{name}.uri}}":
            problems.append(f"output {name}_url must be {RUN_SERVICE}.{name}.uri, is {value!r}")
    return problems


# --- the container builds ---------------------------------------------------------------------------

def check_container_builds(repo_root: Path) -> list[str]:
    """<service>/Dockerfile serves bookgen.<service>.app:create_app on $PORT as a non-root user, installed with
    the gcp and api extras; <service>/cloudbuild.yaml builds that Dockerfile from the repository root and pushes
    ${_IMAGE}; .dockerignore keeps local state out of the build context."""
    problems = []
    for name in SERVICE_ACCOUNTS:
        dockerfile = repo_root / name / "Dockerfile"
        if not dockerfile.is_file():
            problems.append(f"{name}/Dockerfile is missing")
            continue
        text = re.sub(r"\\\n\s*", " ", dockerfile.read_text("utf-8"))
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if not lines or not re.fullmatch(r"FROM python:3\.11-slim(@sha256:[0-9a-f]{64})?", lines[0]):
            problems.append(f"{name}/Dockerfile must start FROM python:3.11-slim")
        if not any("pip install --no-cache-dir '.[gcp,api]'" in ln for ln in lines):
            problems.append(f"{name}/Dockerfile must pip install --no-cache-dir '.[gcp,api]' (the Google Cloud "
                            "adapters, FastAPI and uvicorn; not the local model)")
        users = [ln.split(None, 1)[1] for ln in lines if ln.startswith("USER ")]
        if not users or users[-1].split(":")[0] in ("root", "0"):
            problems.append(f"{name}/Dockerfile must switch to a non-root USER")
        cmd = [ln for ln in lines if ln.startswith("CMD ")]
        want = f"exec uvicorn --factory bookgen.{name}.app:create_app --host 0.0.0.0 --port ${{PORT:-8080}}"
        if len(cmd) != 1 or want not in cmd[0]:
            problems.append(f"{name}/Dockerfile: CMD must be `{want} ...` (shell form, so $PORT expands)")
        build = repo_root / name / "cloudbuild.yaml"
        try:
            config = yaml.safe_load(build.read_text("utf-8"))
        except (OSError, yaml.YAMLError) as e:
            problems.append(f"{name}/cloudbuild.yaml: {e}")
            continue
        args = [str(a) for step in config.get("steps", []) for a in step.get("args", [])]
        joined = " ".join(args)
        if not re.search(rf"(-f|--file)[ =]{name}/Dockerfile\b", joined) or not args or args[-1] != ".":
            problems.append(f"{name}/cloudbuild.yaml must build {name}/Dockerfile with the repository root as context")
        if "${_IMAGE}" not in joined or "${_IMAGE}" not in config.get("images", []):
            problems.append(f"{name}/cloudbuild.yaml must tag and push ${{_IMAGE}}")
    ignore = repo_root / ".dockerignore"
    patterns = set(ignore.read_text("utf-8").split()) if ignore.is_file() else set()
    problems += [f".dockerignore must exclude {p}" for p in (".git", ".venv", "bookgen-data", "build")
                 if p not in patterns and f"/{p}" not in patterns]
    return problems
