"""The Flink and Dataflow packaging, checked without Docker, kubectl or a network: every manifest and
template parses, the options they give exist (`wirepipe run --help`, Beam's options), the images install
what the Makefile installs, and the pieces point at each other (ports, service names, versions, secrets)."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from apache_beam.options.pipeline_options import PipelineOptions

from tests.project_files import REPO, makefile_no_deps_requirements, pyproject_pin, run_options

DEPLOY = REPO / "deploy"
FLINK, DATAFLOW = DEPLOY / "flink", DEPLOY / "dataflow"
# FlinkPipelineOptions of Beam Java, read by the Flink job server; the Python SDK passes them on unchecked.
FLINK_JAVA_OPTIONS = {"checkpointing_interval"}


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def manifests() -> dict[str, dict]:
    """Every Kubernetes object under deploy/flink, by kind/name."""
    found = {}
    for path in sorted(FLINK.glob("*.yaml")):
        for doc in documents(path):
            found[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return found


def containers(pod_spec: dict) -> dict[str, dict]:
    return {c["name"]: c for c in pod_spec.get("containers", [])}


def mount_paths(container: dict, pod_spec: dict) -> dict[str, dict]:
    """The container's mount paths, each with the pod volume behind it."""
    volumes = {v["name"]: v for v in pod_spec.get("volumes", [])}
    return {m["mountPath"]: volumes[m["name"]] for m in container.get("volumeMounts", [])}


def options(args: list[str]) -> dict[str, str]:
    """``--name=value`` arguments as a mapping (flags map to '')."""
    return dict(arg.partition("=")[::2] for arg in args if arg.startswith("--"))


def dockerfile(path: Path) -> str:
    """A Dockerfile with its line continuations joined."""
    return re.sub(r"\\\n\s*", " ", path.read_text())


@pytest.fixture(scope="module")
def objects():
    return manifests()


@pytest.fixture(scope="module")
def submit(objects):
    pod = objects["Job/wirepipe-submit"]["spec"]["template"]["spec"]
    return pod, containers(pod)["submit"]


@pytest.fixture(scope="module")
def sidecar(objects):
    pod = objects["FlinkDeployment/wirepipe"]["spec"]["taskManager"]["podTemplate"]["spec"]
    return pod, containers(pod)["beam-worker-pool"]


@pytest.mark.parametrize("path", sorted(DEPLOY.rglob("*.y*ml")), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_manifest_parses(path):
    docs = documents(path)
    assert docs
    if path.parent == FLINK:
        for doc in docs:
            assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"]


def test_the_flink_manifests_hold_a_session_cluster_a_job_server_and_a_submission(objects):
    assert {"FlinkDeployment/wirepipe", "Deployment/beam-flink-job-server", "Service/beam-flink-job-server",
            "Job/wirepipe-submit"} <= set(objects)
    deployment = objects["FlinkDeployment/wirepipe"]
    assert deployment["apiVersion"] == "flink.apache.org/v1beta1"
    assert "job" not in deployment["spec"], "a session cluster: the Beam job server submits the job"


def test_submitted_options_exist(submit):
    _, container = submit
    assert container["command"] == ["wirepipe"] and container["args"][0] == "run"
    beam_options = set(PipelineOptions([]).get_all_options()) | FLINK_JAVA_OPTIONS
    for name in options(container["args"][1:]):
        # wirepipe takes its own options; the others go to Beam, which must know them.
        assert name in run_options() or name[2:] in beam_options, f"{name} is neither a wirepipe run nor a Beam option"
    given = options(container["args"])
    assert given["--runner"] == "PortableRunner" and given["--environment_type"] == "EXTERNAL"
    assert "--stop-at-end" not in given and "--until-idle" not in given, "the deployed job is the endless stream"


def test_the_pieces_point_at_each_other(objects, submit, sidecar):
    deployment = objects["FlinkDeployment/wirepipe"]["spec"]
    job_server = objects["Deployment/beam-flink-job-server"]["spec"]["template"]["spec"]
    service = objects["Service/beam-flink-job-server"]
    given = options(submit[1]["args"])
    # The workers: the sidecar's worker pool on the task manager's localhost.
    _, pool = sidecar
    assert pool["args"] == ["--worker_pool"]
    pool_port = {p["containerPort"] for p in pool["ports"]}
    assert given["--environment_config"] in {f"localhost:{port}" for port in pool_port}
    assert pool["image"] == submit[1]["image"], "the launcher and the workers must run the same code"
    # The job server: reached by its service, and pointed at the operator's REST service <name>-rest.
    service_ports = {p["name"]: p["port"] for p in service["spec"]["ports"]}
    assert given["--job_endpoint"] == f"{service['metadata']['name']}:{service_ports['job']}"
    assert given["--artifact_endpoint"] == f"{service['metadata']['name']}:{service_ports['artifact']}"
    (server,) = job_server["containers"]
    assert options(server["args"])["--flink-master"] == f"{objects['FlinkDeployment/wirepipe']['metadata']['name']}-rest:8081"
    # Versions: Flink minor version and Beam version agree everywhere.
    flink = deployment["flinkVersion"].removeprefix("v").replace("_", ".")
    assert deployment["image"].startswith(f"flink:{flink}")
    assert server["image"] == f"apache/beam_flink{flink}_job_server:{pyproject_pin('apache-beam')}.0"
    # Checkpoints are configured (the offset commit waits for them) and the job sets an interval.
    assert deployment["flinkConfiguration"]["execution.checkpointing.mode"] == "EXACTLY_ONCE"
    assert deployment["flinkConfiguration"]["state.checkpoints.dir"]
    assert int(given["--checkpointing_interval"]) > 0


def test_kafka_credentials_come_from_a_mounted_secret(submit, sidecar):
    pod, container = submit
    env = {e["name"]: e for e in container["env"]}
    assert env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "password"
    assert "sasl-password" not in " ".join(container["args"]).lower()
    given = options(container["args"])
    assert given["--security-protocol"] == "SASL_SSL"
    cafile = Path(given["--ssl-cafile"])
    # Workers open the CA file too: the same secret is mounted at the same place in both pods.
    for pod_spec, who in ((pod, container), sidecar):
        mounts = mount_paths(who, pod_spec)
        volume = mounts[str(cafile.parent)]
        assert volume["secret"]["secretName"] == env["KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"]
        assert cafile.name in {item["path"] for item in volume["secret"]["items"]}


def test_workers_write_where_the_output_goes(submit, sidecar):
    out = options(submit[1]["args"])["--out"]
    pod, pool = sidecar
    mounts = mount_paths(pool, pod)
    assert out in mounts and "persistentVolumeClaim" in mounts[out]


def test_worker_image_installs_what_the_makefile_installs():
    text = dockerfile(FLINK / "Dockerfile")
    base = re.search(r"^FROM apache/beam_python(3\.\d+)_sdk:(\S+)$", text, re.M)
    assert base, "the worker image starts from Beam's Python SDK container"
    python, beam = base.groups()
    assert beam == f"{pyproject_pin('apache-beam')}.0"
    low, high = map(int, re.search(r'requires-python = ">=3\.(\d+),<3\.(\d+)"', (REPO / "pyproject.toml").read_text()).groups())
    assert low <= int(python.split(".")[1]) < high
    installs = re.findall(r"pip install ([^&\n]+)", text)
    assert any("wirepipe-*.whl" in line and "--no-deps" not in line for line in installs), "the wheel with its dependencies"
    for requirement in makefile_no_deps_requirements():
        assert any("--no-deps" in line and f"'{requirement}'" in line for line in installs), requirement
    assert re.search(r'^ENTRYPOINT \["/opt/apache/beam/boot"\]$', text, re.M)
    assert re.search(r'^CMD \["--worker_pool"\]$', text, re.M)


def test_flex_template_image_is_the_worker_image_with_the_launcher():
    text = dockerfile(DATAFLOW / "Dockerfile")
    worker_python = re.search(r"beam_python(3\.\d+)_sdk", dockerfile(FLINK / "Dockerfile")).group(1)
    assert re.search(rf"^FROM gcr\.io/dataflow-templates-base/python{worker_python.replace('.', '')}-template-launcher-base",
                     text, re.M)
    assert re.search(r"^FROM \$\{WORKER_IMAGE\}$", text, re.M)
    copied = re.search(r"^COPY deploy/dataflow/launch\.py (\S+)$", text, re.M).group(1)
    assert re.search(rf"^ENV FLEX_TEMPLATE_PYTHON_PY_FILE={re.escape(copied)}$", text, re.M)
    assert (DATAFLOW / "launch.py").is_file()


@pytest.fixture(scope="module")
def launch():
    spec = importlib.util.spec_from_file_location("wirepipe_flex_launch", DATAFLOW / "launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_template_parameters_are_run_options():
    metadata = json.loads((DATAFLOW / "metadata.json").read_text())
    names = [p["name"] for p in metadata["parameters"]]
    assert len(names) == len(set(names))
    for parameter in metadata["parameters"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", parameter["name"])
        assert "--" + parameter["name"].replace("_", "-") in run_options(), parameter["name"]
        assert parameter["label"] and parameter["helpText"]
        for regex in parameter.get("regexes", []):
            re.compile(regex)
    required = {p["name"] for p in metadata["parameters"] if not p.get("isOptional", False)}
    assert required == {"bootstrap_servers", "topic"}
    # A run option with a required value that the template leaves out would fail every launch.
    assert not {"--stop-at-end", "--until-idle"} & {"--" + n.replace("_", "-") for n in names}


@pytest.mark.parametrize("argv,expected", [
    (["--bootstrap_servers=k:9093", "--topic=wire"], ["--bootstrap-servers=k:9093", "--topic=wire"]),
    (["--dead_letter_topic=wire.dl", "--drop_near_duplicates=true"], ["--dead-letter-topic=wire.dl", "--drop-near-duplicates"]),
    (["--drop_near_duplicates=false", "--near_dup_threshold=0.7"], ["--near-dup-threshold=0.7"]),
    # Dataflow's own options go to Beam untouched.
    (["--runner=DataflowRunner", "--temp_location=gs://b/tmp", "--sdk_container_image=r/w:1"],
     ["--runner=DataflowRunner", "--temp_location=gs://b/tmp", "--sdk_container_image=r/w:1"]),
])
def test_launcher_turns_parameters_into_run_options(launch, argv, expected):
    assert launch.run_arguments(argv, launch.run_parser()) == ["run", "--no-progress", *expected]


def test_launched_arguments_parse_as_the_run_command(launch):
    from pipeline.cli import build_parser

    metadata = json.loads((DATAFLOW / "metadata.json").read_text())
    sample = {"bootstrap_servers": "kafka-0:9093", "topic": "wire", "schema_id": "7", "max_body_bytes": "65536",
              "ner": "rules", "drop_near_duplicates": "true", "security_protocol": "SASL_SSL",
              "sasl_mechanism": "SCRAM-SHA-512", "near_dup_threshold": "0.7"}
    argv = [f"--{p['name']}={sample.get(p['name'], 'x')}" for p in metadata["parameters"]]
    args, beam_args = build_parser().parse_known_args(launch.run_arguments([*argv, "--streaming"], launch.run_parser()))
    assert beam_args == ["--streaming"]
    assert (args.command, args.bootstrap_servers, args.topic, args.schema_id) == ("run", "kafka-0:9093", ["wire"], 7)
    assert args.drop_near_duplicates is True and args.near_dup_threshold == 0.7
