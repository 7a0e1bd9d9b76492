# GitLab runners, dev cluster. Keys: tofu/stacks/gitlab-runners/variables.tf.
# Edited by hand and by runnerfleetd merge requests: keep the `=` aligned.

cluster_context  = "dev-cluster"
k8s_config_path  = ""
gitlab_url       = "https://gitlab.example"
namespace        = "gitlab-runners"
create_namespace = true

# Runner tokens come from CI/CD variables (TF_VAR_*_runner_token), never from this file.
nix_runner_name    = "nix-runner"
docker_runner_name = "docker-runner"
dind_runner_name   = "dind-runner"

deploy_docker_runner = true
deploy_dind_runner   = true

use_legacy_exec_strategy = true
spread_to_nodes          = true

# Manager pods (shared by every runner)
manager_cpu_request    = "50m"
manager_memory_request = "128Mi"
manager_cpu_limit      = "200m"
manager_memory_limit   = "256Mi"

# nix-runner (always deployed)
nix_concurrent_jobs    = 6
nix_job_cpu_request    = "500m"
nix_job_memory_request = "1Gi"
nix_job_cpu_limit      = "4"
nix_job_memory_limit   = "8Gi"
nix_hpa_enabled        = true
nix_hpa_min_replicas   = 1
nix_hpa_max_replicas   = 5
attic_server           = "https://attic.dev.example"
attic_cache            = "main"

# docker-runner
docker_concurrent_jobs    = 12
docker_job_cpu_request    = "100m"
docker_job_memory_request = "256Mi"
docker_job_cpu_limit      = "2"
docker_job_memory_limit   = "4Gi"
docker_hpa_enabled        = true
docker_hpa_min_replicas   = 2
docker_hpa_max_replicas   = 10

# dind-runner
dind_concurrent_jobs    = 6
dind_job_cpu_request    = "500m"
dind_job_memory_request = "1Gi"
dind_job_cpu_limit      = "4"
dind_job_memory_limit   = "8Gi"
dind_hpa_enabled        = true
dind_hpa_min_replicas   = 1
dind_hpa_max_replicas   = 4

# rocky9-runner is deployed outside this stack: the stack has no rocky8/rocky9 keys.

enable_runner_cleanup = false
kubectl_image         = "bitnami/kubectl:latest"
