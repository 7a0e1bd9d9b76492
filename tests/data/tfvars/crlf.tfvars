# Windows-edited file: CRLF line endings throughout.
cluster_context = "win-cluster"
nix_concurrent_jobs = 4
runner_tags = [
  "windows-edited",
  "crlf",
]
service_monitor_labels = {
  release = "prom" # trailing comment
}
notes = <<EOT
line one
line two
EOT

