# Saved by an editor that drops the final newline.
cluster_context = "dev"
docker_hpa_max_replicas = 8
docker_job_memory_limit = "4Gi"