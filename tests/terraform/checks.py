"""Wiring rules of the Terraform module, as functions over a parsed `hcl.Module`.

Each check returns a list of problems (empty = the rule holds). The tests call every check on the real module
(expecting none) and on copies with one link removed (expecting that link to be reported), so a check that
cannot fail shows up as a failing test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tests.terraform.hcl import Module, as_text, strings

FUNCTION = "google_cloudfunctions2_function"
WORKFLOW = "google_workflows_workflow"
TRIGGER = "google_eventarc_trigger"
PROJECT_IAM = ("google_project_iam_member", "google_project_iam_binding")
RUN_IAM = (
    "google_cloud_run_v2_service_iam_member",
    "google_cloud_run_v2_service_iam_binding",
    "google_cloud_run_service_iam_member",
    "google_cloud_run_service_iam_binding",
)
SECRET_IAM = ("google_secret_manager_secret_iam_member", "google_secret_manager_secret_iam_binding")
TOPIC_IAM = ("google_pubsub_topic_iam_member", "google_pubsub_topic_iam_binding")
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")
PUBSUB_AGENT = re.compile(r"service-.*@gcp-sa-pubsub\.iam\.gserviceaccount\.com")

_SA_REF = re.compile(r'google_service_account\.(\w+)(?:\["([^"]+)"\])?')


# --- helpers ----------------------------------------------------------------------------------------

def sa_refs(value: Any) -> set[str]:
    """Service accounts a value refers to, as 'name' or 'name[key]'."""
    found = set()
    for m in _SA_REF.finditer(as_text(value)):
        found.add(m.group(1) + (f"[{m.group(2)}]" if m.group(2) else ""))
    return found


def one_sa(value: Any, what: str, problems: list[str]) -> str | None:
    refs = sa_refs(value)
    if len(refs) != 1:
        problems.append(f"{what} must name exactly one google_service_account of this module, found {value!r}")
        return None
    return next(iter(refs))


def flat(value: Any) -> str:
    """A name expression with substituted keys inlined: '${local.prefix}${"outline"}' -> '${local.prefix}outline'."""
    return as_text(value).replace('${"', "").replace('"}', "")


def members_of(body: dict[str, Any]) -> list[Any]:
    if "members" in body:
        return list(body["members"]) if isinstance(body["members"], list) else [body["members"]]
    return [body.get("member")]


def grants(module: Module, types: Iterable[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for rtype in types:
        out.update(module.all_instances(rtype))
    return out


def project_roles_of(module: Module, sa: str) -> set[str]:
    roles = set()
    for body in grants(module, PROJECT_IAM).values():
        if any(sa in sa_refs(m) for m in members_of(body)):
            roles.add(body.get("role"))
    return roles


def function_instances(module: Module) -> dict[str, dict[str, Any]]:
    return module.all_instances(FUNCTION)


def function_address_of(value: Any) -> set[str]:
    """Function instances a value refers to, as 'google_cloudfunctions2_function.name["key"]'."""
    return {m.group(0) for m in re.finditer(rf'{FUNCTION}\.\w+(?:\["[^"]+"\])?', as_text(value))}


def workflow_env_names(workflow_file: Path) -> set[str]:
    """The env vars `workflows/book.yaml` reads with sys.get_env, without the GOOGLE_CLOUD_* built-ins."""
    doc = yaml.safe_load(workflow_file.read_text(encoding="utf-8"))
    names = set()
    for text in strings(doc):
        names.update(re.findall(r'sys\.get_env\(\s*"([^"]+)"', text))
    return {n for n in names if not n.startswith("GOOGLE_CLOUD_")}


def the_one(module: Module, rtype: str, problems: list[str]) -> tuple[str, dict[str, Any]] | None:
    instances = module.all_instances(rtype)
    if len(instances) != 1:
        problems.append(f"expected exactly one {rtype}, found {len(instances)}")
        return None
    return next(iter(instances.items()))


# --- the rules --------------------------------------------------------------------------------------

def check_step_functions(module: Module, steps: Iterable[str]) -> list[str]:
    """Every steps/<name>/ has a Cloud Function (2nd gen) whose entry point is <name>."""
    problems = []
    functions = function_instances(module)
    for step in sorted(steps):
        matches = [(a, b) for a, b in functions.items() if a.endswith(f'["{step}"]') or b.get("name") == step]
        if not matches:
            problems.append(f"step {step!r} has no {FUNCTION}")
            continue
        for address, body in matches:
            entry = (body.get("build_config") or [{}])[0].get("entry_point")
            if entry != step:
                problems.append(f"{address}: entry_point is {entry!r}, expected {step!r}")
    return problems


def check_function_bundles(module: Module) -> list[str]:
    """Each function builds from its own bundle object whose name carries the zip's hash."""
    problems = []
    objects = module.all_instances("google_storage_bucket_object")
    for address, body in function_instances(module).items():
        source = as_text((body.get("build_config") or [{}])[0].get("source"))
        refs = re.findall(r'google_storage_bucket_object\.\w+(?:\["[^"]+"\])?', source)
        if len(refs) != 1 or refs[0] not in objects:
            problems.append(f"{address}: its storage_source object must be one google_storage_bucket_object")
            continue
        obj = objects[refs[0]]
        src = str(obj.get("source", ""))
        step = address.rsplit('["', 1)[-1].rstrip('"]')
        if not flat(src).endswith(f"/{step}.zip"):
            problems.append(f"{refs[0]}: source {src!r} is not the {step} bundle (build/steps/{step}.zip)")
        name = str(obj.get("name", ""))
        hashed = re.search(r"(filemd5|filesha256|filesha1|filebase64sha256)\(([^)]*)\)", name)
        if not hashed or hashed.group(2).strip().strip('"') != src:
            problems.append(f"{refs[0]}: the object name must hash the zip it uploads, "
                            f"so a new bundle redeploys the function (name is {name!r})")
    return problems


# What the adapters read: name -> the literal value it must have, or the resource it must come from.
FUNCTION_SETTINGS = {
    "BOOKGEN_STORAGE": "gcs",
    "BOOKGEN_RAW_BUCKET": "google_storage_bucket.raw.name",
    "BOOKGEN_PROCESSED_BUCKET": "google_storage_bucket.processed.name",
    "BOOKGEN_ANALYTICS": "bigquery",
    "BOOKGEN_BQ_DATASET": "google_bigquery_dataset.",
    "BOOKGEN_EVENTS": "pubsub",
    "BOOKGEN_NOTIFICATIONS_TOPIC": 'google_pubsub_topic.topic["book-notifications"]',
    "BOOKGEN_GCP_PROJECT": "var.project_id",
}


def check_function_env(module: Module, settings: dict[str, str] = FUNCTION_SETTINGS) -> list[str]:
    """The functions get the storage, analytics and events settings, and var.function_env cannot override them."""
    problems = []
    managed = module.locals.get("function_env")
    if not isinstance(managed, dict):
        return ["local.function_env (the settings the adapters read) is missing"]
    for name, want in settings.items():
        got = managed.get(name)
        if got is None:
            problems.append(f"local.function_env lacks {name}")
        elif got != want and want not in str(got):
            problems.append(f"local.function_env.{name} is {got!r}, expected {want!r}")
    for address, body in function_instances(module).items():
        env = str((body.get("service_config") or [{}])[0].get("environment_variables", ""))
        m = re.search(r"merge\((.*)\)", env)
        args = [a.strip() for a in m.group(1).split(",")] if m else []
        if "local.function_env" not in args:
            problems.append(f"{address}: environment_variables must include local.function_env")
        elif "var.function_env" in args and args.index("var.function_env") > args.index("local.function_env"):
            problems.append(f"{address}: var.function_env must come before local.function_env in merge()")
    return problems


def check_workflow_env(module: Module, env_names: Iterable[str]) -> list[str]:
    """Every env var the workflow reads is set in user_env_vars; each BOOKGEN_<STEP>_URL is that step's URI."""
    problems: list[str] = []
    found = the_one(module, WORKFLOW, problems)
    if not found:
        return problems
    address, body = found
    env = body.get("user_env_vars")
    if not isinstance(env, dict):
        return [f"{address}: user_env_vars must be a map literal (found {env!r})"]
    for name in sorted(env_names):
        if name not in env:
            problems.append(f"{address}: user_env_vars lacks {name} (workflows/book.yaml reads it)")
            continue
        m = re.fullmatch(r"BOOKGEN_(\w+)_URL", name)
        if m:
            step = m.group(1).lower()
            if f'["{step}"]' not in env[name] or "service_config[0].uri" not in env[name] \
                    or not function_address_of(env[name]):
                problems.append(f"{address}: {name} must be the uri of the {step} function, is {env[name]!r}")
    if len(env) > 20:
        problems.append(f"{address}: {len(env)} user_env_vars; Workflows allows 20")
    problems += [f"{address}: user_env_vars key {k} may not start with GOOGLE or WORKFLOWS"
                 for k in env if k.startswith(("GOOGLE", "WORKFLOWS"))]
    source = str(body.get("source_contents", ""))
    if not re.search(r'\$\{file\(".*/workflows/book\.yaml"\)\}', source):
        problems.append(f"{address}: source_contents must be file(.../workflows/book.yaml), is {source[:80]!r}")
    return problems


def check_workflow_invokes_functions(module: Module) -> list[str]:
    """The workflow's service account has roles/run.invoker on every function's Cloud Run service."""
    problems: list[str] = []
    found = the_one(module, WORKFLOW, problems)
    if not found:
        return problems
    address, body = found
    workflow_sa = one_sa(body.get("service_account"), f"{address}.service_account", problems)
    if workflow_sa is None:
        return problems
    covered: set[str] = set()
    for body in grants(module, RUN_IAM).values():
        if body.get("role") != "roles/run.invoker":
            continue
        if not any(workflow_sa in sa_refs(m) for m in members_of(body)):
            continue
        covered |= function_address_of(body.get("name", body.get("service")))
    for function in sorted(function_instances(module)):
        if function not in covered:
            problems.append(f"the workflow's service account ({workflow_sa}) lacks roles/run.invoker on {function}")
    return problems


def check_eventarc(module: Module) -> list[str]:
    """Eventarc: book-requests -> the workflow, as an identity that can start executions and receive events."""
    problems: list[str] = []
    found = the_one(module, TRIGGER, problems)
    if not found:
        return problems
    address, body = found
    sa = one_sa(body.get("service_account"), f"{address}.service_account", problems)
    destination = as_text(body.get("destination"))
    if f"{WORKFLOW}." not in destination:
        problems.append(f"{address}: the destination is not the workflow")
    topic = as_text(body.get("transport"))
    if not re.search(r'google_pubsub_topic\.\w+\["book-requests"\]|google_pubsub_topic\.book_requests', topic):
        problems.append(f"{address}: the transport topic is not book-requests")
    criteria = as_text(body.get("matching_criteria"))
    if "google.cloud.pubsub.topic.v1.messagePublished" not in criteria:
        problems.append(f"{address}: must match google.cloud.pubsub.topic.v1.messagePublished events")
    if sa:
        roles = project_roles_of(module, sa)
        for role, why in (("roles/workflows.invoker", "start executions"),
                          ("roles/eventarc.eventReceiver", "receive events")):
            if role not in roles:
                problems.append(f"Eventarc's service account ({sa}) lacks {role} (to {why})")
    return problems


def check_secret_access(module: Module) -> list[str]:
    """The functions get OPENAI_API_KEY from the secret, and their service account may read that secret."""
    problems: list[str] = []
    functions = function_instances(module)
    if not functions:
        return ["no functions"]
    accessors = [b for b in grants(module, SECRET_IAM).values()
                 if b.get("role") == "roles/secretmanager.secretAccessor"]
    for address, body in functions.items():
        config = (body.get("service_config") or [{}])[0]
        sa = one_sa(config.get("service_account_email"), f"{address}.service_account_email", problems)
        secrets = [s for s in config.get("secret_environment_variables", []) if s.get("key") == "OPENAI_API_KEY"]
        if len(secrets) != 1:
            problems.append(f"{address}: OPENAI_API_KEY must come from secret_environment_variables")
            continue
        secret = re.search(r"google_secret_manager_secret\.(\w+)", str(secrets[0].get("secret")))
        if not secret:
            problems.append(f"{address}: OPENAI_API_KEY must name a google_secret_manager_secret of this module")
            continue
        granted = [b for b in accessors
                   if re.search(rf"google_secret_manager_secret\.{secret.group(1)}\b", str(b.get("secret_id")))
                   and any(sa and sa in sa_refs(m) for m in members_of(b))]
        if not granted:
            problems.append(f"{address}: its service account ({sa}) lacks roles/secretmanager.secretAccessor "
                            f"on google_secret_manager_secret.{secret.group(1)}")
    return sorted(set(problems))


def is_public_api_grant(rtype: str, body: dict[str, Any]) -> bool:
    """The one grant that may name a public member: roles/run.invoker on the REST API's Cloud Run service,
    created only when var.api_public (the API authenticates callers itself with API keys)."""
    return (rtype in RUN_IAM and body.get("role") == "roles/run.invoker"
            and re.search(r"google_cloud_run_v2_service\.api\.name\b", as_text(body.get("name"))) is not None
            and "var.api_public" in as_text(body.get("for_each", body.get("count"))))


def check_nothing_public(module: Module) -> list[str]:
    """No public members or basic roles anywhere (but the REST API's guarded invoker grant); buckets enforce
    public access prevention; functions are internal-only."""
    problems = []
    for rtype, named in module.resources.items():
        # The bodies as written and their for_each instances (which carry the values of local maps).
        bodies = {f"{rtype}.{name}": body for name, body in named.items()} | module.all_instances(rtype)
        for address, body in bodies.items():
            public_ok = is_public_api_grant(rtype, body)
            for text in strings(body):
                problems += [f"{address}: grants {m}" for m in PUBLIC_MEMBERS if m in text and not public_ok]
                problems += [f"{address}: uses the basic role {r}" for r in BASIC_ROLES
                             if re.search(rf"{re.escape(r)}\b", text)]
    for address, body in module.all_instances("google_storage_bucket").items():
        if body.get("public_access_prevention") != "enforced":
            problems.append(f'{address}: public_access_prevention must be "enforced"')
    for address, body in function_instances(module).items():
        ingress = (body.get("service_config") or [{}])[0].get("ingress_settings")
        if ingress != "ALLOW_INTERNAL_ONLY":
            problems.append(f"{address}: ingress_settings is {ingress!r}, must be ALLOW_INTERNAL_ONLY")
    return problems


def check_buckets(module: Module) -> list[str]:
    """Every bucket uses uniform bucket-level access."""
    return [f"{address}: uniform_bucket_level_access must be true"
            for address, body in module.all_instances("google_storage_bucket").items()
            if body.get("uniform_bucket_level_access") is not True]


def _rules(bucket: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [((r.get("condition") or [{}])[0], (r.get("action") or [{}])[0]) for r in bucket.get("lifecycle_rule", [])]


def check_raw_lifecycle(module: Module) -> list[str]:
    """raw: objects move to Nearline after 30 days; cache objects (raw/cache/) are deleted."""
    problems: list[str] = []
    raw = {a: b for a, b in module.all_instances("google_storage_bucket").items() if "bookgen-raw" in str(b.get("name"))}
    if len(raw) != 1:
        return [f"expected one raw bucket (name ...bookgen-raw), found {sorted(raw)}"]
    address, bucket = next(iter(raw.items()))
    rules = _rules(bucket)
    nearline = [c for c, a in rules if a.get("type") == "SetStorageClass" and a.get("storage_class") == "NEARLINE"
                and not c.get("matches_prefix")]
    if not nearline or module.var_default(nearline[0].get("age")) != 30:
        problems.append(f"{address}: no rule moving objects to NEARLINE after 30 days")
    cache = [c for c, a in rules if a.get("type") == "Delete" and "raw/cache/" in (c.get("matches_prefix") or [])]
    if not cache or not isinstance(module.var_default(cache[0].get("age")), int):
        problems.append(f"{address}: no rule deleting raw/cache/ objects after a number of days")
    return problems


def check_dead_letters(module: Module) -> list[str]:
    """book-requests and book-notifications have dead-letter topics that keep what they receive and that the
    Pub/Sub service agent may publish to; subscriptions on book-notifications dead-letter."""
    problems = []
    names = {a: flat(b.get("name")) for a, b in module.all_instances("google_pubsub_topic").items()}
    subscriptions = module.all_instances("google_pubsub_subscription")
    agent_topics = [as_text(b.get("topic")) for b in grants(module, TOPIC_IAM).values()
                    if b.get("role") == "roles/pubsub.publisher"
                    and any(PUBSUB_AGENT.search(module.resolve_local(m)) for m in members_of(b))]
    for main in ("book-requests", "book-notifications"):
        if not any(n.endswith(main) for n in names.values()):
            problems.append(f"no topic {main}")
        dlq = [a for a, n in names.items() if n.endswith(f"{main}-dlq")]
        if not dlq:
            problems.append(f"{main} has no dead-letter topic ({main}-dlq)")
            continue
        if not any(dlq[0] in as_text(s.get("topic")) for s in subscriptions.values()):
            problems.append(f"{dlq[0]} has no subscription: dead-lettered messages would be dropped")
        if not any(dlq[0] in topic for topic in agent_topics):
            problems.append(f"the Pub/Sub service agent cannot publish to {dlq[0]}")
    for address, sub in subscriptions.items():
        topic = as_text(sub.get("topic"))
        on_main = any(a in topic and n.endswith("book-notifications") for a, n in names.items())
        if on_main and not sub.get("dead_letter_policy"):
            problems.append(f"{address}: a subscription on book-notifications needs a dead_letter_policy")
    return problems


def _schema_fields(module: Module, body: dict[str, Any]) -> list[dict[str, Any]] | None:
    m = re.fullmatch(r'\$\{file\("(.+)"\)\}', str(body.get("schema", "")))
    if not m:
        return None
    path = module.resolve_path(m.group(1).replace('${"', "").replace('"}', ""))
    return json.loads(path.read_text(encoding="utf-8"))


def bigquery_tables(module: Module) -> dict[str, tuple[str, dict[str, Any]]]:
    """table_id -> (address, body) for every google_bigquery_table that is not a view."""
    out = {}
    for address, body in module.all_instances("google_bigquery_table").items():
        if not body.get("view"):
            out[str(body.get("table_id"))] = (address, body)
    return out


def check_bigquery_tables(module: Module, tables: dict[str, Any], reference_tables: dict[str, Any]) -> list[str]:
    """Every table of schema.py exists with the same columns (name, type, mode); §6 tables are day-partitioned
    on their partition column and clustered as schema.py says."""
    problems = []
    declared = bigquery_tables(module)
    for name, table in {**tables, **reference_tables}.items():
        if name not in declared:
            problems.append(f"BigQuery table {name} is not declared")
            continue
        address, body = declared[name]
        fields = _schema_fields(module, body)
        if fields is None:
            problems.append(f"{address}: schema must be file(.../schemas/{name}.json)")
            continue
        got = [(f.get("name"), f.get("type"), f.get("mode", "NULLABLE")) for f in fields]
        want = [(c.name, c.type, c.mode) for c in table.columns]
        if got != want:
            missing = [w for w in want if w not in got]
            extra = [g for g in got if g not in want]
            problems.append(f"{address}: columns differ from schema.py (missing {missing}, unexpected {extra}); "
                            "regenerate with `python -m tests.terraform.schemas`")
        if name not in tables:
            continue
        partitioning = (body.get("time_partitioning") or [{}])[0]
        if partitioning.get("type") != "DAY" or partitioning.get("field") != table.partition_by:
            problems.append(f"{address}: must be partitioned by DAY on {table.partition_by}, "
                            f"is {partitioning or 'not partitioned'}")
        if list(body.get("clustering") or []) != list(table.cluster_by) or not table.cluster_by:
            problems.append(f"{address}: clustering is {body.get('clustering')}, schema.py says {list(table.cluster_by)}")
    return problems


def view_resources(module: Module) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """view name -> (resource address without key, instance address, body)."""
    out = {}
    for name in module.of_type("google_bigquery_table"):
        for key, body in module.instances("google_bigquery_table", name).items():
            if body.get("view"):
                address = f"google_bigquery_table.{name}"
                out[str(body.get("table_id"))] = (address, address + (f'["{key}"]' if key else ""), body)
    return out


def _depends(module: Module, address: str, seen: set[str] | None = None) -> set[str]:
    """Resources an address depends on through depends_on, transitively."""
    seen = set() if seen is None else seen
    rtype, name = address.split(".")[:2]
    for dep in module.resources.get(rtype, {}).get(name, {}).get("depends_on", []):
        dep = str(dep).strip("${}")
        if dep not in seen:
            seen.add(dep)
            _depends(module, dep, seen)
    return seen


def check_views(module: Module, sql_dir: Path, views: Iterable[str]) -> list[str]:
    """Every .sql view is declared from its file, with standard SQL, after everything it reads."""
    problems = []
    declared = view_resources(module)
    files = {p.stem: p for p in sorted(sql_dir.glob("*.sql"))}
    for name in sorted(set(files) | set(views)):
        if name not in files:
            problems.append(f"view {name} (schema.VIEWS) has no {name}.sql")
        if name not in declared:
            problems.append(f"view {name} is not declared as a google_bigquery_table view")
    tables = {t: a for t, (a, _) in bigquery_tables(module).items()}
    for name, (resource, address, body) in sorted(declared.items()):
        view = (body.get("view") or [{}])[0]
        if view.get("use_legacy_sql") is not False:
            problems.append(f"{address}: view.use_legacy_sql must be false")
        if name not in files:
            problems.append(f"{address}: no {name}.sql for it")
            continue
        for_each = module.for_each_items(module.resources[resource.split(".")[0]][resource.split(".")[1]]
                                         .get("for_each"))
        if for_each is not None and for_each.get(name) != f"{name}.sql":
            problems.append(f"{address}: must be built from {name}.sql, maps to {for_each.get(name)!r}")
        deps = _depends(module, resource)
        for ref in sorted(set(re.findall(r"\$\{dataset\}\.(\w+)", files[name].read_text(encoding="utf-8")))):
            if ref == name:
                continue
            if ref in declared:
                if declared[ref][0] == resource or declared[ref][0] not in deps:
                    problems.append(f"{address} reads view {ref}, which must be created before it "
                                    f"(depends_on {declared[ref][0]}, in an earlier level)")
            elif ref in tables:
                if tables[ref].split("[")[0] not in deps:
                    problems.append(f"{address} reads table {ref} but does not depend on {tables[ref].split('[')[0]}")
            else:
                problems.append(f"{address} reads {ref}, which is neither a table nor a view of the module")
    return problems


def view_header_pattern(module: Module) -> str:
    """The regex bigquery.tf uses to cut the `CREATE OR REPLACE VIEW ... AS` header off a .sql file."""
    m = re.search(r'replace\(text, "/(.+?)/", ""\)', str(module.locals.get("view_query", "")))
    if not m:
        raise ValueError("local.view_query does not strip the header with a regex replace")
    return m.group(1).encode().decode("unicode_escape")


def check_variables(module: Module) -> list[str]:
    """Every variable has a description and a type."""
    problems = []
    for name, body in sorted(module.variables.items()):
        if not str(body.get("description", "")).strip():
            problems.append(f"variable {name} has no description")
        if "type" not in body:
            problems.append(f"variable {name} has no type")
    return problems


def check_deletion_protection(module: Module) -> list[str]:
    """Resources whose provider default is deletion_protection = true (or that hold data) set it explicitly."""
    return [f"{rtype}.{name}: set deletion_protection explicitly"
            for rtype in (WORKFLOW, "google_bigquery_table", "google_secret_manager_secret",
                          "google_cloud_run_v2_service")
            for name, body in module.of_type(rtype).items() if "deletion_protection" not in body]


def check_no_data_sources(module: Module) -> list[str]:
    """STYLE.md: no Terraform data sources."""
    return [f"data.{rtype}.{name}: data sources are not used in this module"
            for rtype, named in module.data.items() for name in named]


def check_roles_commented(texts: dict[str, str]) -> list[str]:
    """Every role granted with a literal `role = "roles/..."` carries its reason in a comment (on the line or
    in the comment lines right above it)."""
    problems = []
    for file_name, text in sorted(texts.items()):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if not re.match(r'\s*role\s*=\s*"roles/', line) or "#" in line.split('"roles/', 1)[1]:
                continue
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if j < 0 or not lines[j].lstrip().startswith(("#", "//")):
                problems.append(f"{file_name}:{i + 1}: {line.strip()} has no comment giving the reason")
    return problems


# --- the README (Deploy to Google Cloud) ----------------------------------------------------------------------------------

def _commands(doc: str) -> list[str]:
    """The shell commands in the doc's fenced blocks, continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", doc, re.S):
        text = re.sub(r"\\\n\s*", " ", block)
        commands += [re.sub(r"\s+#.*$", "", line).strip() for line in text.splitlines() if line.strip()]
    return commands


def _name(module: Module, value: Any) -> str:
    """A resource name with the default prefix ("") and substituted keys inlined."""
    return flat(value).replace("${local.prefix}", "")


def check_deploy_doc(doc: str, module: Module, request_model: Any, views: Iterable[str]) -> list[str]:
    """the README (Deploy to Google Cloud) names what the module creates and sends payloads the workflow accepts."""
    problems = []
    commands = _commands(doc)
    joined = "\n".join(commands)
    topics = {_name(module, b.get("name")) for b in module.all_instances("google_pubsub_topic").values()}
    workflow = _name(module, module.resource(WORKFLOW, "book").get("name"))
    secrets = {_name(module, b.get("secret_id"))
               for b in module.all_instances("google_secret_manager_secret").values()}
    expect = {
        r"gcloud pubsub topics publish (\S+)": {"book-requests"} & topics,
        r"gcloud workflows run (\S+)": {workflow},
        r"gcloud workflows executions list (\S+)": {workflow},
        r"--workflow=(\S+)": {workflow},
        r"gcloud secrets versions add (\S+)": secrets,
        r"--dead-letter-topic=(\S+)": {"book-requests-dlq"} & topics,
    }
    for pattern, allowed in expect.items():
        found = re.findall(pattern, joined)
        if not found:
            problems.append(f"no command matches {pattern!r}")
        problems += [f"{pattern!r}: {f!r} is not one of {sorted(allowed)}" for f in found if f not in allowed]
    for target in re.findall(r"-target=(\S+)", joined):
        rtype, name = target.split(".")[:2]
        if name not in module.of_type(rtype):
            problems.append(f"-target={target}: no such resource")
    problems += [f"no `gcloud secrets versions add {s}`: a service or function cannot deploy without a version"
                 for s in sorted(secrets) if f"gcloud secrets versions add {s} " not in joined + " "]
    problems += [f"-var {v}: no such variable" for v in re.findall(r"-var (\w+)=", joined) if v not in module.variables]
    required = sorted(n for n, v in module.variables.items() if "default" not in v)
    for command in commands:
        if re.match(r"terraform -chdir=terraform (apply|destroy)\b", command):
            given = set(re.findall(r"-var (\w+)=", command))
            problems += [f"{command[:60]!r}...: no -var {v}= (a required variable)" for v in required if v not in given]
    for name in ("api", "notifier"):
        builds = [c for c in commands if f"--config={name}/cloudbuild.yaml" in c]
        if not builds:
            problems.append(f"no `gcloud builds submit --config={name}/cloudbuild.yaml` building the {name} image")
        problems += [f"{c!r}: must set --substitutions=_IMAGE=..." for c in builds if "_IMAGE=" not in c]
        if not (module.repo_root / name / "cloudbuild.yaml").is_file():
            problems.append(f"{name}/cloudbuild.yaml does not exist")
    problems += [f"output {o}: no such output" for o in re.findall(r"output -raw (\w+)", joined)
                 if o not in module.outputs]
    for flag, payload in re.findall(r"(--message|--data)='([^']*)'", joined):
        try:
            request = json.loads(payload)["request"]
            request_model.model_validate(request)
        except Exception as e:  # any failure is a problem worth naming
            problems.append(f"{flag} payload is not {{\"request\": <a valid request>}}: {e}")
    for view in re.findall(r"\$DATASET\.(\w+)", joined):
        if view not in views:
            problems.append(f"bq query on {view}, which is not a view")
    problems += [f"the doc never mentions the view {v}" for v in views if f"`{v}`" not in doc and f".{v}" not in doc]
    for needed in ("make bundle", "bookgen api-key create", "terraform -chdir=terraform init",
                   "terraform -chdir=terraform apply", "terraform -chdir=terraform destroy",
                   "gcloud workflows executions describe", "stepEntries"):
        if needed not in joined:
            problems.append(f"no command with {needed!r}")
    version = re.search(r"\d+\.\d+", str(module.other["terraform"][0].get("required_version")))
    if version and f"Terraform ≥ {version.group(0)}" not in doc:
        problems.append(f"the prerequisites must say Terraform ≥ {version.group(0)} (versions.tf)")
    return problems
