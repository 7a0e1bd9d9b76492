# GitLab runners: dev cluster.
# Edited by hand and by the runnerfleet GitOps flow; keep one variable per line.

cluster_context = "dev-cluster"
k8s_config_path = ""
gitlab_url      = "https://gitlab.com"

namespace        = "gitlab-runners"
create_namespace = true

# --- which runners exist ----------------------------------------------------
deploy_docker_runner = true
deploy_dind_runner   = false # flip on once privileged pods are allowed

use_legacy_exec_strategy = true
spread_to_nodes          = true

manager_priority_class_name = ""
job_priority_class_name     = ""

# Shared by every runner manager pod.
manager_cpu_request    = "50m"
manager_memory_request = "128Mi"
manager_cpu_limit      = "200m"
manager_memory_limit   = "256Mi"

# --- nix ----------------------------------------------------------------------
nix_runner_name        = "nix-runner"
nix_concurrent_jobs    = 6
nix_job_cpu_request    = "500m"
nix_job_memory_request = "1Gi"
nix_job_cpu_limit      = "4"
nix_job_memory_limit   = "8Gi"
nix_hpa_enabled        = true
nix_hpa_min_replicas   = 2
nix_hpa_max_replicas   = 5

attic_server = "https://attic.dev.example.net"
attic_cache  = "main"

# --- docker -------------------------------------------------------------------
docker_runner_name        = "docker-runner"
docker_concurrent_jobs    = 12
docker_job_cpu_request    = "100m"
docker_job_memory_request = "256Mi"
docker_job_cpu_limit      = "2"
docker_job_memory_limit   = "4Gi"
docker_hpa_enabled        = true
docker_hpa_min_replicas   = 2
docker_hpa_max_replicas   = 8

runner_tags = [
  "docker",
  "linux",
  "dev", # the dev-only tag
]

node_selector = {
  "kubernetes.io/os" = "linux"
  pool               = "ci"
}

tolerations = [
  {
    key      = "dedicated"
    operator = "Equal"
    value    = "ci"
    effect   = "NoSchedule"
  },
]

# Passed to the chart verbatim.
additional_values = <<-EOT
  runners:
    config: |
      [[runners]]
        environment = ["FF_TIMESTAMPS=true"]
  podLabels:
    team: platform
EOT

enable_runner_cleanup = false
kubectl_image         = "bitnami/kubectl:latest"
