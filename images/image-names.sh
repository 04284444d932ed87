# Sourced: the image names the chart pulls by default, read from charts/lorafleet, so the images
# built here are the chart's defaults by construction (images/build.sh, the smoke test).
chart_dir="$repo_root/charts/lorafleet"
chart_value() { # key -> the value of a top-level `key: value` line of values.yaml
  sed -n "s/^$1:[[:space:]]*\([^[:space:]#]*\).*/\1/p" "$chart_dir/values.yaml" | tr -d '"'
}
image_version="$(sed -n 's/^appVersion:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}/\1/p' "$chart_dir/Chart.yaml")"
image_source="$(sed -n 's/^home:[[:space:]]*//p' "$chart_dir/Chart.yaml")"
operator_repository="$(sed -n '/^image:/,/^[^ ]/s/^[[:space:]]*repository:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$chart_dir/values.yaml")"
operator_image="$operator_repository:$image_version"
server_image="$(chart_value serverImage)"
trainer_image="$(chart_value trainerImage)"
router_image="$(chart_value routerImage)"
