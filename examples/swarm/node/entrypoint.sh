#!/bin/sh
# swarm node: dockerd is the container's main process (stop the container = stop the node).
#   STORAGE_DRIVER    overlay2 (default; works because /var/lib/docker is a volume on the
#                     host's ext4, not on the container's overlayfs) or vfs (always works, copies layers)
#   SOCKET_GROUP      group (name or numeric gid) owning both sockets; pass the HOST's docker gid
#                     so non-root members of the host's docker group can use /run/host/docker.sock
#   REGISTRY_FORWARD  "PORT HOST:PORT": the node's 127.0.0.1:PORT leads to the cluster's registry,
#                     so an image is named 127.0.0.1:PORT/... on the host (which publishes the
#                     registry there) and on every node alike; an engine trusts 127.0.0.0/8 over
#                     plain HTTP without any insecure-registry setting
# --no-new-privileges: every container this engine starts (swarm tasks included) gets
# no-new-privileges, which swarm services cannot request themselves on 20.10.
set -e
mkdir -p /run/host
if [ -n "${REGISTRY_FORWARD:-}" ]; then
  set -- ${REGISTRY_FORWARD} "$@"
  socat "TCP-LISTEN:$1,bind=127.0.0.1,fork,reuseaddr" "TCP:$2" &
  shift 2
fi
exec dockerd \
  --storage-driver="${STORAGE_DRIVER:-overlay2}" \
  -H unix:///var/run/docker.sock \
  -H unix:///run/host/docker.sock \
  --group "${SOCKET_GROUP:-docker}" \
  --no-new-privileges \
  "$@"
