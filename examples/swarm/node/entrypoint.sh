#!/bin/sh
# swarm node: dockerd is the container's main process (stop the container = stop the node).
#   STORAGE_DRIVER   overlay2 (default; works because /var/lib/docker is a volume on the
#                    host's ext4, not on the container's overlayfs) or vfs (always works, copies layers)
#   SOCKET_GROUP     group (name or numeric gid) owning both sockets; pass the HOST's docker gid
#                    so non-root members of the host's docker group can use /run/host/docker.sock
#   INSECURE_REGISTRY  the in-cluster registry (plain HTTP)
# --no-new-privileges: every container this engine starts (swarm tasks included) gets
# no-new-privileges, which swarm services cannot request themselves on 20.10.
set -e
mkdir -p /run/host
exec dockerd \
  --storage-driver="${STORAGE_DRIVER:-overlay2}" \
  -H unix:///var/run/docker.sock \
  -H unix:///run/host/docker.sock \
  --group "${SOCKET_GROUP:-docker}" \
  --insecure-registry "${INSECURE_REGISTRY:-registry:5000}" \
  --no-new-privileges \
  "$@"
