# ARC (GitHub Actions) runner scale sets.
cluster_context      = "dev-cluster"
github_config_url    = "https://github.com/tinyland-inc"
github_config_secret = "github-app-secret"

controller_namespace        = "arc-systems"
create_controller_namespace = true
runner_namespace            = "arc-runners"
create_runner_namespace     = true
controller_chart_version    = "0.13.1"

deploy_docker_runner = true
deploy_dind_runner   = false

nix_min_runners    = 0
nix_max_runners    = 5
nix_cpu_request    = "500m"
nix_memory_request = "1Gi"
nix_cpu_limit      = "4"
nix_memory_limit   = "8Gi"

docker_min_runners = 1
docker_max_runners = 10

extra_runner_sets = {
  gpu = {
    github_config_url = "https://github.com/tinyland-inc/ml"
    runner_label      = "tinyland-gpu"
    runner_type       = "docker"
    min_runners       = 0
    max_runners       = 2
    cpu_limit         = "8"
    memory_limit      = "32Gi"
  }
  "bazel-heavy" = {
    github_config_url: "https://github.com/tinyland-inc/monorepo",
    runner_label: "tinyland-bazel",
    min_runners: 1,
    max_runners: 6,
    bazel_cache_endpoint: "grpc://bazel-remote.cache.svc:9092",
  }
  small = { github_config_url = "https://github.com/tinyland-inc/docs", runner_label = "tinyland-small", tags = ["docs", "lint"] }
}
