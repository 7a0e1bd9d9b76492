# GitHub Actions runner scale sets (ARC), dev cluster. Keys: tofu/stacks/arc-runners/variables.tf.

cluster_context          = "dev-cluster"
github_config_url        = "https://github.com/tinyland-inc"
github_config_secret     = "github-app-secret"
controller_namespace     = "arc-systems"
runner_namespace         = "arc-runners"
controller_chart_version = "0.13.1"

nix_runner_name      = "gh-nix"
docker_runner_name   = "gh-docker"
deploy_docker_runner = true
deploy_dind_runner   = false

# gh-nix (always deployed)
nix_min_runners    = 0
nix_max_runners    = 10
nix_cpu_request    = "500m"
nix_memory_request = "1Gi"
nix_cpu_limit      = "4"
nix_memory_limit   = "8Gi"

# gh-docker
docker_min_runners    = 1
docker_max_runners    = 5
docker_cpu_request    = "100m"
docker_memory_request = "256Mi"
docker_cpu_limit      = "2"
docker_memory_limit   = "4Gi"

attic_cache = "main"

# Extra scale sets: each key is the Helm release name, all in runner_namespace.
extra_runner_sets = {
  "gh-l40s" = {
    github_config_url = "https://github.com/tinyland-inc"
    runner_label      = "tinyland-l40s"
    runner_type       = "docker"
    min_runners       = 0
    max_runners       = 2 # two L40S nodes
    cpu_request       = "2"
    memory_request    = "8Gi"
    cpu_limit         = "8"
    memory_limit      = "32Gi"
  }
}
