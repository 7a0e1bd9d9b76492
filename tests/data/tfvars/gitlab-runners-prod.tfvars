// GitLab runners: production. Unaligned on purpose: this file predates `tofu fmt`.
cluster_context = "prod-cluster"
gitlab_url = "https://gitlab.example.com"
create_namespace = false

/*
 * The dind runner stays off in prod until the PSA exemption lands.
 */
deploy_docker_runner = true
deploy_dind_runner = false

nix_concurrent_jobs = 8
nix_job_cpu_limit = "8"
nix_job_memory_limit = "16Gi"
nix_hpa_min_replicas = 3
nix_hpa_max_replicas = 10
docker_concurrent_jobs = 20
docker_hpa_max_replicas = 12
docker_job_memory_limit = "6Gi"
dind_concurrent_jobs = 6
dind_hpa_enabled = true
dind_hpa_min_replicas = 1
dind_hpa_max_replicas = 5

ghcr_username = "ci-bot"
ghcr_token = null // injected by the pipeline

// A negative number, a decimal and an exponent, for the parser's sake.
cleanup_offset_seconds = -30
hpa_cpu_target_ratio = 0.75
poll_budget = 1.5e3

service_monitor_labels = { release = "kube-prometheus-stack", team = "platform" }
pod_annotations = {}

startup_script = <<EOF
#!/bin/sh
echo "runner ${RUNNER_NAME} starting"
echo "escaped $${HOME} and %%{ directive }"
EOF
