# One image of the harness's Docker Hub: a stand-in under the name a real image has, relabelled
# as the test's (so neither the host's test cleanup nor the harness's workshop takes it for its own).
ARG STANDIN
FROM ${STANDIN}
